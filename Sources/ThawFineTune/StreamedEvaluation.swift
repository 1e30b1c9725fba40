import ThawHeads
import ThawTraining

/// The rows a fine-tuning trainer reads: sets in memory (one SplitMix64 permutation of all rows per epoch) or a
/// `TapMaps` (`EpochPlan` blocks, in memory or streamed from LMDB under `--memory-budget`).
public enum FineTuneMapSource {
    case sets(train: FeatureSet, validation: FeatureSet)
    case maps(TapMaps)
}

/// How a trainer on cached rows (`FineTuneTrainer` on maps [H, W, C], `ViTFineTuneTrainer` on tokens [T, 1, C])
/// batches its in-memory training set and evaluates: one implementation for both. Evaluation runs `settings.chunk`
/// rows at a time in inference mode (running BatchNorm statistics), from a set in memory or a `TapMaps` split
/// streamed in chunks; the metrics are the same either way.
public protocol StreamedEvaluation: AnyObject {
    var settings: FineTuneSettings { get }
    var source: FineTuneMapSource { get }
    /// Logits per row.
    var classes: Int { get }
    /// The `MapChunk` height and width of one in-memory row: (H, W) of a map, (T, C) of tokens.
    var rowGeometry: (height: Int, width: Int) { get }
    /// Logits [c.rows, classes] of one chunk in inference mode.
    func inferenceLogits(_ c: MapChunk) -> [Float]
    /// Rows per evaluation chunk: a multiple of `settings.chunk` (evaluation chunks start at its multiples).
    var evaluationChunk: Int { get }
}

extension StreamedEvaluation {
    public var evaluationChunk: Int { settings.chunk }

    /// Chunks of shuffled batches of the in-memory `train` set: rows gathered [m, height, width(, C)] per chunk.
    func shuffledBatches(_ train: FeatureSet) -> ShuffledBatches<MapChunk> {
        let rowWidth = train.rowWidth, (h, w) = rowGeometry
        return ShuffledBatches<MapChunk>(rowCount: train.count, batchSize: settings.batch, chunkSize: settings.chunk,
                                         seed: settings.seed) { rows, _ in FineTuneProfile.time(.batchAssembly) {
            var x = [Float](repeating: 0, count: rows.count * rowWidth)   // [m, …] gathered rows
            x.withUnsafeMutableBufferPointer { xb in train.features.withUnsafeBufferPointer { fb in
                for (j, r) in rows.enumerated() { (xb.baseAddress! + j * rowWidth).update(from: fb.baseAddress! + r * rowWidth, count: rowWidth) }
            }}
            return MapChunk(x: x, rows: rows.count, height: h, width: w, labels: rows.map { train.labels[$0] })
        }}
    }

    /// Logits [N, classes] of a set, `evaluationChunk` rows at a time.
    public func logits(_ set: FeatureSet) -> [Float] {
        var out = [Float](); out.reserveCapacity(set.count * classes)
        let w = set.rowWidth, geometry = rowGeometry, chunk = evaluationChunk
        var r0 = 0
        while r0 < set.count {
            let r1 = min(set.count, r0 + chunk)
            out += inferenceLogits(MapChunk(x: Array(set.features[(r0 * w)..<(r1 * w)]), rows: r1 - r0,
                                            height: geometry.height, width: geometry.width, labels: []))
            r0 = r1
        }
        return out
    }

    /// Metrics of the model on `set`.
    public func evaluate(_ set: FeatureSet) -> ClassificationMetrics { metrics(logits(set), labels: set.labels) }

    /// Metrics on the validation split of the trainer's source.
    public func evaluateValidation() throws -> ClassificationMetrics {
        switch source {
        case .sets(_, let validation): return evaluate(validation)
        case .maps: return try evaluate(.validation)
        }
    }

    /// Metrics on a split of the `TapMaps` source, streamed in chunks.
    public func evaluate(_ split: EvaluationSplit) throws -> ClassificationMetrics {
        guard case .maps(let maps) = source else { preconditionFailure("\(Self.self).evaluate(split): the trainer reads sets; pass one") }
        var z = [Float](), labels = [Int32]()
        try maps.forEachChunk(split, chunk: evaluationChunk) { c in
            z += inferenceLogits(c)
            labels += c.labels
        }
        return metrics(z, labels: labels)
    }

    func metrics(_ z: [Float], labels: [Int32]) -> ClassificationMetrics {
        z.withUnsafeBufferPointer { zb in labels.withUnsafeBufferPointer { lb in
            ClassificationMetrics.compute(logits: zb.baseAddress!, rowStride: classes, classes: classes,
                                          labels: lb.baseAddress!, count: labels.count)
        }}
    }
}
