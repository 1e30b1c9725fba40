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
public final class ViTFineTuneTrainer: StreamedEvaluation {
    public let model: ViTFineTuneModel
    public let settings: FineTuneSettings
    public let source: FineTuneMapSource
    public let classes: Int
    let tokens: Int

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
            return try settings.run(training, tensors: model, data: shuffledBatches(train), validate: { evaluate(validation) },
                                    progress: progress, shouldStop: shouldStop)
        }
    }

    // Evaluation (logits, evaluate, evaluateValidation): `StreamedEvaluation`.
    public var rowGeometry: (height: Int, width: Int) { (tokens, model.channels) }

    /// Logits of a chunk of token rows [m, T, C] (`height` = T).
    public func inferenceLogits(_ c: MapChunk) -> [Float] { model.forward(c.x, batch: c.rows, tokens: c.height).logits }
}
