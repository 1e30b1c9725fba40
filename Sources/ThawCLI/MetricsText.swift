import ThawHeads
import ThawRuns

/// Metrics against true labels as terminal text: the headline, per-class precision / recall / F1 /
/// support (as scikit-learn's `classification_report`), and the confusion matrix.
enum MetricsText {
    static func print(_ m: ClassificationMetrics, classes: [String]) {
        let k = classes.count
        var line = String(format: "top-1 %.2f%%", 100 * m.top1)
        if k > 5 { line += String(format: "  top-5 %.2f%%", 100 * m.top5) }
        line += String(format: "  mean per class %.2f%%  macro-F1 %.4f  ECE %.4f  (%d labeled samples)",
                       100 * m.meanPerClassAccuracy, m.macroF1, m.expectedCalibrationError, m.count)
        Swift.print(line)
        print(confusion: m.confusion, classes: classes)
    }

    /// `--report` of fit, sweep and finetune: the tables of the test confusion matrix the run recorded.
    static func printReport(_ record: RunRecord) {
        guard let matrix = record.matrix("confusion"), !matrix.isEmpty else {
            Swift.print("report: no test confusion matrix in the run record (the cache has no test split?)")
            return
        }
        let counts = matrix.map { $0.compactMap { Int(exactly: $0).flatMap { (0...Int(Int32.max)).contains($0) ? $0 : nil } } }
        guard counts.allSatisfy({ $0.count == matrix.count }) else {
            Swift.print("report: the run record's confusion matrix is not a square matrix of counts; not printed")
            return
        }
        Swift.print("report on the test split (\(counts.joined().reduce(0, +)) samples)")
        print(confusion: counts, classes: record.classNames(count: counts.count))
    }

    /// `--misclassified N` of fit, sweep and finetune: the run record's most confident test mistakes.
    static func printMisclassified(_ record: RunRecord) {
        guard case .array(let list)? = record.metrics["misclassified"] else {
            Swift.print("misclassified: no test mistakes recorded (the cache has no test split?)")
            return
        }
        let rows: [[String: JSONValue]] = list.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
        guard !rows.isEmpty else { Swift.print("misclassified: none, every test sample was classified correctly"); return }
        let width = max(10, rows.flatMap { [$0["label_name"]?.string ?? "", $0["predicted_name"]?.string ?? ""] }.map(\.count).max() ?? 0)
        func pad(_ s: String) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
        Swift.print("most confident test mistakes (\(rows.count)):")
        Swift.print("  confidence  " + pad("true") + "  " + pad("predicted") + "  id")
        for o in rows {
            Swift.print(String(format: "  %10.4f  ", o["confidence"]?.number ?? .nan) + pad(o["label_name"]?.string ?? "?") + "  "
                        + pad(o["predicted_name"]?.string ?? "?") + "  " + (o["id"]?.string ?? "?"))
        }
    }

    /// Per-class precision / recall / F1 / support, then the matrix itself (up to 20 classes).
    /// `confusion`: [K][K], rows = true class, columns = predicted.
    static func print(confusion: [[Int]], classes: [String]) {
        let k = classes.count
        let width = max(12, classes.map(\.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? String(s.prefix(w)) : s + String(repeating: " ", count: w - s.count) }
        Swift.print(pad("class", width) + "  precision  recall     F1  support")
        for (i, name) in classes.enumerated() {
            let tp = Double(confusion[i][i])
            let support = confusion[i].reduce(0, +)
            let predicted = (0..<k).reduce(0) { $0 + confusion[$1][i] }
            let p = predicted > 0 ? tp / Double(predicted) : 0, r = support > 0 ? tp / Double(support) : 0
            let f1 = p + r > 0 ? 2 * p * r / (p + r) : 0
            Swift.print(pad(name, width) + String(format: "  %9.4f  %6.4f  %.4f  %7d", p, r, f1, support))
        }
        guard k <= 20 else { return }
        Swift.print("confusion (rows: true, columns: predicted)")
        let cell = max(5, String(confusion.flatMap { $0 }.max() ?? 0).count + 1)
        let rowWidth = max(width, classes.enumerated().map { "\($0) \($1)".count }.max() ?? 0)
        Swift.print(pad("", rowWidth) + (0..<k).map { String(repeating: " ", count: cell - String($0).count) + String($0) }.joined())
        for (i, name) in classes.enumerated() {
            let cells = confusion[i].map { String(repeating: " ", count: max(0, cell - String($0).count)) + String($0) }.joined()
            Swift.print(pad("\(i) \(name)", rowWidth) + cells)
        }
    }
}
