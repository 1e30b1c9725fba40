import ThawHeads

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
        let width = max(12, classes.map(\.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? String(s.prefix(w)) : s + String(repeating: " ", count: w - s.count) }
        Swift.print(pad("class", width) + "  precision  recall     F1  support")
        for (i, name) in classes.enumerated() {
            let tp = Double(m.confusion[i][i])
            let support = m.confusion[i].reduce(0, +)
            let predicted = (0..<k).reduce(0) { $0 + m.confusion[$1][i] }
            let p = predicted > 0 ? tp / Double(predicted) : 0, r = support > 0 ? tp / Double(support) : 0
            let f1 = p + r > 0 ? 2 * p * r / (p + r) : 0
            Swift.print(pad(name, width) + String(format: "  %9.4f  %6.4f  %.4f  %7d", p, r, f1, support))
        }
        guard k <= 20 else { return }
        Swift.print("confusion (rows: true, columns: predicted)")
        let cell = max(5, String(m.confusion.flatMap { $0 }.max() ?? 0).count + 1)
        Swift.print(pad("", width) + (0..<k).map { String(repeating: " ", count: cell - String($0).count) + String($0) }.joined())
        for (i, name) in classes.enumerated() {
            let cells = m.confusion[i].map { String(repeating: " ", count: max(0, cell - String($0).count)) + String($0) }.joined()
            Swift.print(pad("\(i) \(name)", width) + cells)
        }
    }
}
