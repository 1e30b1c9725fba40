import ThawHeads

/// Metrics of predictions against true labels given by name: labels the bundle knows count;
/// the others are tallied by name (their samples are still predicted and written).
public struct PredictionMetrics {
    public let classes: [String]
    private var accumulator: MetricsAccumulator
    private let classIndex: [String: Int]
    /// Samples whose label the bundle does not know, by label.
    public private(set) var unknownLabels: [String: Int] = [:]
    /// Samples that count in the metrics.
    public private(set) var counted = 0

    public init(classes: [String]) {
        self.classes = classes
        accumulator = MetricsAccumulator(classes: classes.count)
        classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    }

    /// Adds the rows of logits [n, classes] whose sample has a label.
    public mutating func add(logits: [Float], labels: [String?]) {
        let c = classes.count
        var rows: [Float] = [], ys: [Int32] = []
        for (r, label) in labels.enumerated() {
            guard let label, !label.isEmpty else { continue }
            guard let y = classIndex[label] else { unknownLabels[label, default: 0] += 1; continue }
            rows += logits[(r * c)..<((r + 1) * c)]
            ys.append(Int32(y))
        }
        guard !ys.isEmpty else { return }
        counted += ys.count
        rows.withUnsafeBufferPointer { z in
            ys.withUnsafeBufferPointer { y in
                accumulator.add(logits: z.baseAddress!, rowStride: c, labels: y.baseAddress!, count: ys.count)
            }
        }
    }

    /// nil when no sample had a known label.
    public var metrics: ClassificationMetrics? { counted > 0 ? accumulator.metrics : nil }
}
