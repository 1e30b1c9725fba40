import Foundation
import ThawCore
import ThawHeads
import ThawKernels
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

/// Trains a `FineTuneModel` on boundary maps: shuffled batches (deterministic given the seed), chunked
/// forward/backward, cosine schedule with warm-up, clipping, layer-wise LR decay, validation every epoch,
/// early stopping and per-epoch checkpoints that `resume` continues bit for bit.
///
/// Two sources of maps: sets in memory (`init(model:train:validation:settings:)`, one SplitMix64
/// permutation of all rows per epoch: `thaw finetune`'s default) or a `TapMaps` (`init(model:maps:settings:)`:
/// `EpochPlan` blocks, in memory or streamed from LMDB under `--memory-budget`, the same numbers either way).
public final class FineTuneTrainer: StreamedEvaluation {
    public let model: FineTuneModel
    public let settings: FineTuneSettings
    public let source: FineTuneMapSource
    public let classes: Int
    let height: Int, width: Int
    /// The last validation metrics and what they were computed at (`validationMetrics()`).
    var lastValidation: ValidationMemo?

    public init(model: FineTuneModel, train: FeatureSet, validation: FeatureSet, settings: FineTuneSettings) {
        precondition(train.rowShape.count == 3 && train.rowShape == validation.rowShape,
                     "FineTuneTrainer: rows must be maps [H, W, C], the same for train and validation")
        precondition(train.rowShape[2] == model.inputChannels,
                     "FineTuneTrainer: maps have \(train.rowShape[2]) channels, the first trained layer takes another width")
        self.model = model
        self.settings = settings
        source = .sets(train: train, validation: validation)
        height = train.rowShape[0]; width = train.rowShape[1]
        classes = model.classifier.classes
    }

    public init(model: FineTuneModel, maps: TapMaps, settings: FineTuneSettings) {
        precondition(maps.mapShape.count == 3 && maps.mapShape[2] == model.inputChannels,
                     "FineTuneTrainer: maps \(maps.mapShape) do not match the first trained layer (\(model.inputChannels) channels)")
        self.model = model
        self.settings = settings
        source = .maps(maps)
        height = maps.mapShape[0]; width = maps.mapShape[1]
        classes = model.classifier.classes
    }

    var trainingMode: BatchNormMode {
        settings.batchNorm == .train ? .batch(momentum: settings.batchNormMomentum) : .running
    }

    /// Runs the remaining epochs. `shouldStop` is asked after each epoch's checkpoint (to interrupt).
    public func run(progress: ((FineTuneProgress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> FineTuneOutcome {
        TrainingMemory.keepFreedPages
        let training = FineTuneTraining(model: model, step: settings.step, mode: trainingMode)
        let fresh = { if self.settings.batchNorm == .recalibrate { try self.recalibrate(progress) } }
        switch source {
        case .maps(let maps):
            return try settings.run(training, tensors: model, data: maps.batches(batch: settings.batch, chunk: settings.chunk, seed: settings.seed),
                                    validate: { try validationMetrics() }, freshStart: fresh, progress: progress, shouldStop: shouldStop)
        case .sets(let train, let validation):
            return try settings.run(training, tensors: model, data: shuffledBatches(train), validate: { try validationMetrics() },
                                    freshStart: fresh, progress: progress, shouldStop: shouldStop)
        }
    }

    // Evaluation (logits, evaluate, evaluateValidation): `StreamedEvaluation`.
    public var rowGeometry: (height: Int, width: Int) { (height, width) }

    /// Evaluation through the folded inference top (the default); false: the training forward in `.running` mode
    /// (`thaw-finetune-bench --evaluate=R` compares both in one process).
    nonisolated(unsafe) public static var foldedEvaluation = true

    /// Logits of a chunk of maps with BatchNorm on running statistics: through the inference engine with the
    /// BatchNorms folded (`FineTuneModel.inferenceTop()`, rebuilt only after the weights changed) where the family
    /// has one, else the training forward in `.running` mode.
    /// The classifier runs on `settings.chunk` rows at a time whatever the chunk (its OpenBLAS GEMM is not
    /// promised to give the same floats at every M); the other layers compute each row alone.
    /// Always float32, also under `--precision bf16` (the folded top packs its own float32 panels; the training
    /// forward's 1×1 layers are repacked for it): the metrics are those the exported bundle gives in `thaw predict`.
    public func inferenceLogits(_ c: MapChunk) -> [Float] {
        if Self.foldedEvaluation, let top = model.inferenceTop() {
            return top.logits(c.x, batch: c.rows, height: c.height, width: c.width, classifierRows: settings.chunk)
        }
        precondition(c.rows <= settings.chunk, "FineTuneTrainer: the training forward evaluates \(settings.chunk) rows at most, got \(c.rows)")
        let training = TrainingKernels.precision
        TrainingKernels.precision = .f32
        defer { TrainingKernels.precision = training }
        return model.forward(c.x, batch: c.rows, height: c.height, width: c.width, mode: .running).logits
    }

    /// Evaluation chunks of `settings.chunk · evaluationChunks` rows through the folded inference top (its layers
    /// compute each row alone, so the logits are the same floats as at `settings.chunk`); 1: `settings.chunk`.
    /// `thaw-finetune-bench --eval-chunks=K,R` alternates 1 and K.
    nonisolated(unsafe) public static var evaluationChunks = 1

    /// `settings.chunk · evaluationChunks` where the folded top evaluates and no frozen blocks run per chunk, else
    /// `settings.chunk` (the training forward keeps its activations: larger chunks spill the caches).
    public var evaluationChunk: Int {
        guard Self.foldedEvaluation, model.hasInferenceTop else { return settings.chunk }
        if case .maps(let maps) = source, maps.frozen != nil { return settings.chunk }
        return settings.chunk * max(1, Self.evaluationChunks)
    }

    /// `.recalibrate`: one pass over the training maps in data-set order with batch statistics,
    /// the running statistics set to the cumulative mean of the chunks' (PyTorch momentum=None).
    /// From a `TapMaps`, chunks do not cross its blocks.
    func recalibrate(_ progress: ((FineTuneProgress) -> Void)?) throws {
        let step = max(settings.chunk, 2)
        var k = 0
        switch source {
        case .maps(let maps):
            try maps.forEachTrainingChunk(chunk: step) { c, total in
                _ = model.forward(c.x, batch: c.rows, height: c.height, width: c.width, mode: .batch(momentum: 1 / Float(k + 1)))
                k += 1
                progress?(.recalibrating(done: k, total: total))
            }
        case .sets(let train, _):
            let w = train.rowWidth
            var r0 = 0
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
}
