import Foundation
import ThawCore
import ThawHeads

/// How `FineTuneTrainer` runs; everything that changes the numbers is here (and in `config`).
public struct FineTuneSettings: Sendable {
    public var epochs: Int
    public var step: FineTuneStep
    public var batchNorm: BatchNormPolicy
    public var batchNormMomentum: Float
    public var batch: Int
    /// Rows per forward/backward chunk (gradients accumulate over the chunks of a batch).
    public var chunk: Int
    public var earlyStop: Int?
    public var warmupFraction: Double
    public var seed: UInt64
    public var checkpointDir: String?
    public var resume: Bool
    /// A description of the settings stored in checkpoints; resuming with another one is refused.
    public var config: String

    public init(epochs: Int, step: FineTuneStep, batchNorm: BatchNormPolicy = .frozen, batchNormMomentum: Float = 0.01,
                batch: Int = 64, chunk: Int = 32, earlyStop: Int? = nil, warmupFraction: Double = 0.1, seed: UInt64 = 0,
                checkpointDir: String? = nil, resume: Bool = false, config: String = "") {
        precondition(epochs >= 1 && batch >= 1 && chunk >= 1, "FineTuneSettings: epochs, batch and chunk must be ≥ 1")
        precondition((0..<1).contains(warmupFraction), "FineTuneSettings: warm-up fraction must be in [0, 1)")
        self.epochs = epochs; self.step = step; self.batchNorm = batchNorm; self.batchNormMomentum = batchNormMomentum
        self.batch = batch; self.chunk = chunk; self.earlyStop = earlyStop; self.warmupFraction = warmupFraction
        self.seed = seed; self.checkpointDir = checkpointDir; self.resume = resume; self.config = config
    }
}

/// Progress reports while training.
public enum FineTuneProgress {
    case recalibrating(done: Int, total: Int)
    case batch(epoch: Int, done: Int, total: Int, loss: Double)
    case epoch(FineTuneEpoch)
    case resumed(epochsDone: Int)
}

/// What a fine-tuning run went through.
public struct FineTuneOutcome {
    public var epochs: [FineTuneEpoch]
    public var bestEpoch: Int
    public var stoppedEarly: Bool
    /// Training rows processed per second (forward + backward + update), this process only.
    public var rowsPerSecond: Double
    public var trainSeconds: Double
}

/// Trains a `FineTuneModel` on boundary maps in memory: shuffled batches (SplitMix64 epoch
/// orders, so deterministic given the seed), chunked forward/backward, cosine schedule with
/// warm-up, clipping, layer-wise LR decay, validation every epoch, early stopping and
/// per-epoch checkpoints that `resume` continues bit for bit.
public final class FineTuneTrainer {
    public let model: FineTuneModel
    public let train: FeatureSet
    public let validation: FeatureSet
    public let settings: FineTuneSettings
    let height: Int, width: Int, classes: Int

    public init(model: FineTuneModel, train: FeatureSet, validation: FeatureSet, settings: FineTuneSettings) {
        precondition(train.rowShape.count == 3 && train.rowShape == validation.rowShape,
                     "FineTuneTrainer: rows must be maps [H, W, C], the same for train and validation")
        precondition(train.rowShape[2] == model.inputChannels,
                     "FineTuneTrainer: maps have \(train.rowShape[2]) channels, the first trained layer takes another width")
        self.model = model
        self.train = train
        self.validation = validation
        self.settings = settings
        height = train.rowShape[0]; width = train.rowShape[1]
        classes = model.classifier.classes
    }

    var trainingMode: BatchNormMode {
        settings.batchNorm == .train ? .batch(momentum: settings.batchNormMomentum) : .running
    }

    /// Runs the remaining epochs. `shouldStop` is asked after each epoch's checkpoint (to interrupt).
    public func run(progress: ((FineTuneProgress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> FineTuneOutcome {
        let s = settings
        let perEpoch = (train.count + s.batch - 1) / s.batch
        let totalSteps = perEpoch * s.epochs
        let schedule = LearningRateSchedule.cosine(warmupSteps: Int(s.warmupFraction * Double(totalSteps)), minFactor: 0)
        var state = FineTuneCheckpoint(epochsDone: 0, step: 0, seed: s.seed, config: s.config, history: [],
                                       bestValLoss: .infinity, bestEpoch: 0, badEpochs: 0)
        if let resumed = try FineTuneCheckpoint.resume(s, into: model) {
            state = resumed
            progress?(.resumed(epochsDone: state.epochsDone))
        } else if s.batchNorm == .recalibrate {
            recalibrate(progress)
        }
        var stoppedEarly = false
        if let patience = s.earlyStop, state.badEpochs >= patience { stoppedEarly = true }
        var rowsDone = 0, busy = 0.0
        let width = train.rowWidth
        var x = [Float](repeating: 0, count: s.chunk * width)   // [chunk, H, W, C] gathered rows
        var y = [Int32](repeating: 0, count: s.chunk)
        var epoch = state.epochsDone
        while epoch < s.epochs && !stoppedEarly {
            let t0 = Date()
            let order = SplitMix64.epochOrder(count: train.count, seed: s.seed, epoch: epoch)
            var lossSum = 0.0, lastLR: Float = 0
            for b in 0..<perEpoch {
                let rows = order[(b * s.batch)..<min(order.count, (b + 1) * s.batch)]
                model.zeroGrad()
                var batchLoss = 0.0
                var c0 = rows.startIndex
                while c0 < rows.endIndex {
                    let c1 = min(rows.endIndex, c0 + s.chunk), m = c1 - c0
                    for (j, r) in rows[c0..<c1].enumerated() {
                        x.withUnsafeMutableBufferPointer { xb in
                            train.features.withUnsafeBufferPointer { fb in
                                (xb.baseAddress! + j * width).update(from: fb.baseAddress! + r * width, count: width)
                            }
                        }
                        y[j] = train.labels[r]
                    }
                    let input = m == s.chunk ? x : Array(x[0..<(m * width)])
                    let (logits, saved) = model.forward(input, batch: m, height: height, width: self.width, mode: trainingMode)
                    var (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: Array(y[0..<m]), classes: classes)
                    // The batch loss is the mean over all its rows: weight each chunk by its share.
                    let share = Float(m) / Float(rows.count)
                    for i in dlogits.indices { dlogits[i] *= share }
                    model.backward(dlogits, saved: saved)
                    batchLoss += loss * Double(share)
                    c0 = c1
                }
                state.step += 1
                lastLR = s.step.lr * schedule.rate(base: 1, step: state.step - 1, totalSteps: totalSteps)
                s.step.apply(to: model, lrFactor: lastLR / s.step.lr, step: state.step)
                lossSum += batchLoss * Double(rows.count)
                rowsDone += rows.count
                progress?(.batch(epoch: epoch, done: b + 1, total: perEpoch, loss: lossSum / Double((b * s.batch) + rows.count)))
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

    /// Logits [N, classes] of a set, in chunks, BN on running statistics.
    public func logits(_ set: FeatureSet) -> [Float] {
        var out = [Float](); out.reserveCapacity(set.count * classes)
        let w = set.rowWidth
        var r0 = 0
        while r0 < set.count {
            let r1 = min(set.count, r0 + settings.chunk)
            let x = Array(set.features[(r0 * w)..<(r1 * w)])
            out += model.forward(x, batch: r1 - r0, height: height, width: width, mode: .running).logits
            r0 = r1
        }
        return out
    }

    /// Metrics of the model on `set` (running BN statistics).
    public func evaluate(_ set: FeatureSet) -> ClassificationMetrics {
        let z = logits(set)
        return z.withUnsafeBufferPointer { zb in set.labels.withUnsafeBufferPointer { lb in
            ClassificationMetrics.compute(logits: zb.baseAddress!, rowStride: classes, classes: classes,
                                          labels: lb.baseAddress!, count: set.count)
        }}
    }

    /// `.recalibrate`: one pass over the training maps in data-set order with batch statistics,
    /// the running statistics set to the cumulative mean of the chunks' (PyTorch momentum=None).
    func recalibrate(_ progress: ((FineTuneProgress) -> Void)?) {
        let w = train.rowWidth, step = max(settings.chunk, 2)
        var r0 = 0, k = 0
        let total = (train.count + step - 1) / step
        while r0 < train.count {
            let r1 = min(train.count, r0 + step)
            let x = Array(train.features[(r0 * w)..<(r1 * w)])
            _ = model.forward(x, batch: r1 - r0, height: height, width: width, mode: .batch(momentum: 1 / Float(k + 1)))
            k += 1
            progress?(.recalibrating(done: k, total: total))
            r0 = r1
        }
    }
}
