import Foundation
import ThawCore
import ThawHeads
import ThawTraining

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
    case epoch(EpochRecord)
    case resumed(epochsDone: Int)
}

/// What a fine-tuning run went through.
public struct FineTuneOutcome {
    public var epochs: [EpochRecord]
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
        let rowWidth = train.rowWidth, train = train, (h, w) = (height, width)
        let batches = ShuffledBatches<MapChunk>(rowCount: train.count, batchSize: settings.batch, chunkSize: settings.chunk,
                                                seed: settings.seed) { rows, _ in
            var x = [Float](repeating: 0, count: rows.count * rowWidth)   // [m, H, W, C] gathered rows
            x.withUnsafeMutableBufferPointer { xb in
                train.features.withUnsafeBufferPointer { fb in
                    for (j, r) in rows.enumerated() {
                        (xb.baseAddress! + j * rowWidth).update(from: fb.baseAddress! + r * rowWidth, count: rowWidth)
                    }
                }
            }
            return MapChunk(x: x, rows: rows.count, height: h, width: w, labels: rows.map { train.labels[$0] })
        }
        return try settings.run(FineTuneTraining(model: model, step: settings.step, mode: trainingMode), tensors: model,
                                data: batches, validate: { evaluate(validation) }, freshStart: {
                                    if settings.batchNorm == .recalibrate { recalibrate(progress) }
                                }, progress: progress, shouldStop: shouldStop)
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
