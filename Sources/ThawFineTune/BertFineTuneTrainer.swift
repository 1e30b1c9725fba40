import Foundation
import ThawCore
import ThawHeads
import ThawTraining

/// Trains a `BertFineTuneModel` on cached hidden states in memory, like `FineTuneTrainer`:
/// SplitMix64 epoch orders, chunked forward/backward with gradients accumulated per batch,
/// cosine schedule with warm-up, clipping, layer-wise LR decay, validation every epoch and early
/// stopping. Each chunk is cropped to its longest sample (exact: padding keys are masked and
/// padding rows are not pooled), per-epoch checkpoints that `resume` continues bit for bit
/// (`FineTuneCheckpoint`, as for EfficientNet-Lite). BatchNorm settings do not apply.
public final class BertFineTuneTrainer {
    public let model: BertFineTuneModel
    public let train: BertSplit, validation: BertSplit
    public let settings: FineTuneSettings
    let classes: Int

    public init(model: BertFineTuneModel, train: BertSplit, validation: BertSplit, settings: FineTuneSettings) {
        precondition(train.channels == model.channels && validation.channels == model.channels,
                     "BertFineTuneTrainer: hidden states have \(train.channels) channels, the model takes \(model.channels)")
        self.model = model; self.train = train; self.validation = validation; self.settings = settings
        classes = model.classifier.classes
    }

    /// Runs the remaining epochs (all of them, or those after the checkpoint with `settings.resume`),
    /// writing a checkpoint after each when `settings.checkpointDir` is set. `shouldStop` is asked
    /// after each epoch's checkpoint (to interrupt).
    public func run(progress: ((FineTuneProgress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> FineTuneOutcome {
        let train = train
        let batches = ShuffledBatches<HiddenStateChunk>(rowCount: train.count, batchSize: settings.batch,
                                                        chunkSize: settings.chunk, seed: settings.seed) { rows, _ in
            let counts = rows.map { train.counts[$0] }, t = counts.max()!
            var x: [Float] = []   // [m, t, C] gathered rows
            train.gather(rows, length: t, into: &x)
            return HiddenStateChunk(x: x, counts: counts, length: t, labels: rows.map { train.labels[$0] })
        }
        return try settings.run(BertFineTuneTraining(model: model, step: settings.step), tensors: model, data: batches,
                                validate: { evaluate(validation) }, progress: progress, shouldStop: shouldStop)
    }

    /// Logits [N, classes] of a split, in chunks.
    public func logits(_ set: BertSplit) -> [Float] {
        var out = [Float](); out.reserveCapacity(set.count * classes)
        var x: [Float] = []
        var r0 = 0
        while r0 < set.count {
            let rows = r0..<min(set.count, r0 + settings.chunk)
            let counts = rows.map { set.counts[$0] }, t = counts.max()!
            set.gather(rows, length: t, into: &x)
            out += model.forward(x, counts: counts, length: t).logits
            r0 = rows.upperBound
        }
        return out
    }

    /// Metrics of the model on a split.
    public func evaluate(_ set: BertSplit) -> ClassificationMetrics {
        let z = logits(set)
        return z.withUnsafeBufferPointer { zb in set.labels.withUnsafeBufferPointer { lb in
            ClassificationMetrics.compute(logits: zb.baseAddress!, rowStride: classes, classes: classes,
                                          labels: lb.baseAddress!, count: set.count)
        }}
    }
}
