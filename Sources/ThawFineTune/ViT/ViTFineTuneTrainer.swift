import Foundation
import ThawCore
import ThawHeads
import ThawTraining

/// A `ViTFineTuneModel` as an `EpochLoop` model. Chunks are `MapChunk`s of token rows x [m, T, C] with
/// `height` = T tokens (a cached `blocks.K` tap is [T, C], layout TC, which `TapData` reads as [T, 1, C] maps).
struct ViTFineTuneTraining: ChunkedModel {
    typealias Chunk = MapChunk
    let model: ViTFineTuneModel
    let step: FineTuneStep

    func zeroGrad() { model.zeroGrad() }
    func forward(_ c: MapChunk) -> (logits: [Float], saved: ViTFineTuneModel.Saved) { model.forward(c.x, batch: c.rows, tokens: c.height) }
    func loss(logits: [Float], chunk: MapChunk) -> (loss: Double, dlogits: [Float]) {
        FineTuneModel.crossEntropy(logits: logits, labels: chunk.labels, classes: model.classifier.classes)
    }
    func backward(_ dlogits: [Float], saved: ViTFineTuneModel.Saved) { model.backward(dlogits, saved: saved) }
    func update(rate: Float, step: Int) { self.step.apply(to: model, lrFactor: rate / self.step.lr, step: step) }
    func snapshot(member _: Int) -> [[Float]] { model.tensors.map(\.value) }
    func restore(member _: Int, _ s: [[Float]]) { for (t, v) in zip(model.tensors, s) { t.value = v } }
}

extension ViTFineTuneModel: CheckpointableModel {}

/// Trains a `ViTFineTuneModel` on cached tokens [N, T, C], as `FineTuneTrainer` does maps: sets in memory (one
/// SplitMix64 permutation of all rows per epoch) or a `TapMaps` (shuffled blocks, in memory or streamed from LMDB
/// under `--memory-budget`); cosine schedule with warm-up, clipping, layer-wise decay, validation every epoch,
/// early stopping, per-epoch checkpoints that `resume` continues bit for bit. No BatchNorm (LayerNorm only).
public final class ViTFineTuneTrainer {
    public let model: ViTFineTuneModel
    public let settings: FineTuneSettings
    let source: FineTuneTrainer.Source
    let tokens: Int, classes: Int

    public init(model: ViTFineTuneModel, train: FeatureSet, validation: FeatureSet, settings: FineTuneSettings) {
        precondition(train.rowShape.count == 3 && train.rowShape[1] == 1 && train.rowShape == validation.rowShape
                        && train.rowShape[2] == model.channels,
                     "ViTFineTuneTrainer: rows must be tokens [T, 1, \(model.channels)], the same for train and validation")
        self.model = model; self.settings = settings
        source = .sets(train: train, validation: validation)
        tokens = train.rowShape[0]; classes = model.classifier.classes
    }

    public init(model: ViTFineTuneModel, maps: TapMaps, settings: FineTuneSettings) {
        precondition((maps.mapShape.count == 2 || (maps.mapShape.count == 3 && maps.mapShape[1] == 1)) && maps.mapShape.last == model.channels,
                     "ViTFineTuneTrainer: tokens \(maps.mapShape) do not match the first trained block (\(model.channels) channels)")
        self.model = model; self.settings = settings
        source = .maps(maps)
        tokens = maps.mapShape[0]; classes = model.classifier.classes
    }

    /// Runs the remaining epochs. `shouldStop` is asked after each epoch's checkpoint (to interrupt).
    public func run(progress: ((FineTuneProgress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> FineTuneOutcome {
        let training = ViTFineTuneTraining(model: model, step: settings.step)
        switch source {
        case .maps(let maps):
            return try settings.run(training, tensors: model, data: maps.batches(batch: settings.batch, chunk: settings.chunk, seed: settings.seed),
                                    validate: { try evaluateValidation() }, progress: progress, shouldStop: shouldStop)
        case .sets(let train, let validation):
            let rowWidth = train.rowWidth, t = tokens, c = model.channels
            let batches = ShuffledBatches<MapChunk>(rowCount: train.count, batchSize: settings.batch, chunkSize: settings.chunk,
                                                    seed: settings.seed) { rows, _ in
                var x = [Float](repeating: 0, count: rows.count * rowWidth)   // [m, T, C] gathered rows
                x.withUnsafeMutableBufferPointer { xb in train.features.withUnsafeBufferPointer { fb in
                    for (j, r) in rows.enumerated() { (xb.baseAddress! + j * rowWidth).update(from: fb.baseAddress! + r * rowWidth, count: rowWidth) }
                }}
                return MapChunk(x: x, rows: rows.count, height: t, width: c, labels: rows.map { train.labels[$0] })
            }
            return try settings.run(training, tensors: model, data: batches, validate: { evaluate(validation) },
                                    progress: progress, shouldStop: shouldStop)
        }
    }

    /// Logits [N, classes] of a set, in chunks.
    public func logits(_ set: FeatureSet) -> [Float] {
        var out = [Float](); out.reserveCapacity(set.count * classes)
        let w = set.rowWidth
        var r0 = 0
        while r0 < set.count {
            let r1 = min(set.count, r0 + settings.chunk)
            out += model.forward(Array(set.features[(r0 * w)..<(r1 * w)]), batch: r1 - r0, tokens: tokens).logits
            r0 = r1
        }
        return out
    }

    public func evaluate(_ set: FeatureSet) -> ClassificationMetrics { metrics(logits(set), labels: set.labels) }

    /// Metrics on the validation split of the trainer's source.
    public func evaluateValidation() throws -> ClassificationMetrics {
        switch source {
        case .sets(_, let validation): return evaluate(validation)
        case .maps: return try evaluate(.validation)
        }
    }

    /// Metrics on a split of the `TapMaps` source (streamed in chunks).
    public func evaluate(_ split: EvaluationSplit) throws -> ClassificationMetrics {
        guard case .maps(let maps) = source else { preconditionFailure("ViTFineTuneTrainer.evaluate(split): the trainer reads sets; pass one") }
        var z = [Float](), labels = [Int32]()
        try maps.forEachChunk(split, chunk: settings.chunk) { c in
            z += model.forward(c.x, batch: c.rows, tokens: c.height).logits
            labels += c.labels
        }
        return metrics(z, labels: labels)
    }

    func metrics(_ z: [Float], labels: [Int32]) -> ClassificationMetrics {
        z.withUnsafeBufferPointer { zb in labels.withUnsafeBufferPointer { lb in
            ClassificationMetrics.compute(logits: zb.baseAddress!, rowStride: classes, classes: classes, labels: lb.baseAddress!, count: labels.count)
        }}
    }
}
