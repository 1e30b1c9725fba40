import Foundation
import ThawCore
import ThawHeads

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
        let s = settings
        let perEpoch = (train.count + s.batch - 1) / s.batch, totalSteps = perEpoch * s.epochs
        let schedule = LearningRateSchedule.cosine(warmupSteps: Int(s.warmupFraction * Double(totalSteps)), minFactor: 0)
        var state = FineTuneCheckpoint(epochsDone: 0, step: 0, seed: s.seed, config: s.config, history: [],
                                       bestValLoss: .infinity, bestEpoch: 0, badEpochs: 0)
        if let resumed = try FineTuneCheckpoint.resume(s, into: model) {
            state = resumed
            progress?(.resumed(epochsDone: state.epochsDone))
        }
        var stoppedEarly = false
        if let patience = s.earlyStop, state.badEpochs >= patience, state.epochsDone < s.epochs { stoppedEarly = true }
        var rowsDone = 0, busy = 0.0
        var x: [Float] = []   // [chunk, t, C] gathered rows
        var epoch = state.epochsDone
        while epoch < s.epochs && !stoppedEarly {
            let t0 = Date()
            let order = SplitMix64.epochOrder(count: train.count, seed: s.seed, epoch: epoch)
            var lossSum = 0.0, lastLR: Float = 0
            for b in 0..<perEpoch {
                let rows = order[(b * s.batch)..<min(order.count, (b + 1) * s.batch)]
                model.zeroGrad()
                var c0 = rows.startIndex
                while c0 < rows.endIndex {
                    let chunk = rows[c0..<min(rows.endIndex, c0 + s.chunk)]
                    let counts = chunk.map { train.counts[$0] }, t = counts.max()!
                    train.gather(chunk, length: t, into: &x)
                    let (logits, saved) = model.forward(x, counts: counts, length: t)
                    var (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: chunk.map { train.labels[$0] }, classes: classes)
                    // The batch loss is the mean over all its rows: weight each chunk by its share.
                    let share = Float(chunk.count) / Float(rows.count)
                    for i in dlogits.indices { dlogits[i] *= share }
                    model.backward(dlogits, saved: saved)
                    lossSum += loss * Double(chunk.count)
                    c0 = chunk.endIndex
                }
                state.step += 1
                lastLR = s.step.lr * schedule.rate(base: 1, step: state.step - 1, totalSteps: totalSteps)
                s.step.apply(to: model, lrFactor: lastLR / s.step.lr, step: state.step)
                rowsDone += rows.count
                progress?(.batch(epoch: epoch, done: b + 1, total: perEpoch, loss: lossSum / Double(b * s.batch + rows.count)))
            }
            busy += Date().timeIntervalSince(t0)
            let val = evaluate(validation)
            let record = FineTuneEpoch(epoch: epoch, trainLoss: lossSum / Double(train.count), valLoss: val.loss,
                                       valTop1: val.top1, lr: lastLR, seconds: Date().timeIntervalSince(t0))
            stoppedEarly = try state.close(record, settings: s, model: model)
            epoch += 1
            progress?(.epoch(record))
            if shouldStop?() == true { break }
        }
        return FineTuneOutcome(epochs: state.history, bestEpoch: state.bestEpoch, stoppedEarly: stoppedEarly,
                               rowsPerSecond: busy > 0 ? Double(rowsDone) / busy : 0, trainSeconds: busy)
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
