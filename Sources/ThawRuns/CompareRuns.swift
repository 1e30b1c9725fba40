/// Runs side by side: the summary metrics and per-class accuracy, each with its difference
/// against the first run, and a note for every metric a run lacks.
public struct RunComparison: Sendable, Encodable {
    public struct Row: Sendable, Encodable {
        public var key: String
        public var label: String
        public var values: [Double?]   // one per run, nil = missing
        public var deltas: [Double?]   // value − first run's value; nil for the first run or when missing
    }

    public let runIDs: [String]
    public let runLabels: [String]   // column headers: names, else short labels (`RunRecord.labels`)
    public let summary: [Row]
    public let perClass: [Row]        // key = class index, label = class name
    public let notes: [String]        // missing metrics, mismatched classes

    public init(runs: [RunRecord]) {
        precondition(!runs.isEmpty, "a comparison needs at least one run")
        runIDs = runs.map(\.id)
        runLabels = RunRecord.labels(runs)
        var notes: [String] = []
        summary = CompareMetric.summary.compactMap { metric in
            let values = runs.map { metric.value(in: $0) }
            if values.allSatisfy({ $0 == nil }) && !CompareMetric.expected.contains(metric.key) { return nil }
            for (run, v) in zip(runs, values) where v == nil && run.kind != .extract
                && CompareMetric.expected.contains(metric.key) {
                notes.append("\(run.id) has no \(metric.label) (`\(metric.key)` missing from its record)")
            }
            return Row(key: metric.key, label: metric.label, values: values, deltas: Self.deltas(values))
        }
        let accuracies = runs.map { $0.numbers("per_class_accuracy") }
        let classCount = accuracies.compactMap { $0?.count }.max() ?? 0
        let namer = runs.first { $0.numbers("per_class_accuracy")?.count == classCount } ?? runs[0]
        let names = namer.classNames(count: classCount)
        for (run, acc) in zip(runs, accuracies) where run.kind != .extract {
            if acc == nil { notes.append("\(run.id) has no per-class accuracy (`per_class_accuracy` missing)") }
            else if acc!.count != classCount {
                notes.append("\(run.id) has \(acc!.count) classes, \(namer.id) has \(classCount): per-class rows do not line up")
            }
        }
        perClass = (0..<classCount).map { c in
            let values = accuracies.map { acc -> Double? in
                guard let acc, acc.count == classCount else { return nil }
                return acc[c]
            }
            return Row(key: String(c), label: names[c], values: values, deltas: Self.deltas(values))
        }
        self.notes = notes
    }

    static func deltas(_ values: [Double?]) -> [Double?] {
        values.enumerated().map { i, v in
            guard i > 0, let v, let base = values[0] else { return nil }
            return v - base
        }
    }

    /// The summary table: one column per run, a Δ column for every run after the first.
    public func summaryTable() -> TextTable {
        table(rowHeader: "metric", rows: summary, metric: { key in
            CompareMetric.summary.first { $0.key == key }!
        })
    }

    /// Per-class accuracy, one column per run, Δ against the first.
    public func perClassTable() -> TextTable {
        table(rowHeader: "class", rows: perClass, metric: { _ in CompareMetric.metric("per_class", "", .fraction) })
    }

    private func table(rowHeader: String, rows: [Row], metric: (String) -> CompareMetric) -> TextTable {
        var header = [rowHeader]
        for (i, label) in runLabels.enumerated() {
            header.append(label)
            if i > 0 { header.append("Δ") }
        }
        var t = TextTable(header: header)
        for row in rows {
            let m = metric(row.key)
            var cells: [TextTable.Cell] = [TextTable.Cell(row.label)]
            for i in runIDs.indices {
                cells.append(TextTable.Cell(m.format(row.values[i])))
                if i > 0 {
                    let d = row.deltas[i]
                    let tint: TextTable.Tint = m.isBetter(d).map { $0 ? .good : .bad } ?? .none
                    cells.append(TextTable.Cell(m.formatDelta(d, base: row.values[0]), tint: tint))
                }
            }
            t.append(cells)
        }
        return t
    }

    /// The whole comparison for a terminal (`colour`: green better, red worse).
    public func text(colour: Bool) -> String {
        var parts = [summaryTable().text(colour: colour)]
        if !perClass.isEmpty { parts.append("per-class accuracy\n" + perClassTable().text(colour: colour)) }
        if !notes.isEmpty { parts.append(notes.map { "note: " + $0 }.joined(separator: "\n")) }
        return parts.joined(separator: "\n\n")
    }

    /// The whole comparison as Markdown.
    public func markdown() -> String {
        var parts = ["## Runs compared\n\n" + summaryTable().markdown()]
        if !perClass.isEmpty { parts.append("## Per-class accuracy\n\n" + perClassTable().markdown()) }
        if !notes.isEmpty { parts.append(notes.map { "- " + $0 }.joined(separator: "\n")) }
        return parts.joined(separator: "\n\n")
    }
}
