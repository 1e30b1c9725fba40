import ThawKernels
import ThawTraining

/// Rows of one forward pass of a `FineTuneModel`: maps x [m, H, W, C] (images [m, crop, crop, 3]
/// with a stem) and labels [m].
public struct MapChunk {
    public var x: [Float]
    public var rows: Int, height: Int, width: Int
    public var labels: [Int32]
}

/// A `FineTuneModel` as an `EpochLoop` model: forward in the settings' BatchNorm mode, softmax
/// cross-entropy, and a `FineTuneStep` per batch (clipping, layer-wise decay) at the loop's rate.
struct FineTuneTraining: ChunkedModel {
    typealias Chunk = MapChunk
    let model: FineTuneModel
    let step: FineTuneStep
    let mode: BatchNormMode

    func zeroGrad() { FineTuneProfile.time(.optimizer) { model.zeroGrad() } }
    func forward(_ c: MapChunk) -> (logits: [Float], saved: FineTuneModel.Saved) {
        model.forward(c.x, batch: c.rows, height: c.height, width: c.width, mode: mode)
    }
    func loss(logits: [Float], chunk: MapChunk) -> (loss: Double, dlogits: [Float]) {
        FineTuneProfile.time(.headPoolClassifier) {
            FineTuneModel.crossEntropy(logits: logits, labels: chunk.labels, classes: model.classifier.classes)
        }
    }
    func backward(_ dlogits: [Float], saved: FineTuneModel.Saved) { model.backward(dlogits, saved: saved) }
    /// `rate` is the head's rate; the step scales it per block.
    func update(rate: Float, step: Int) {
        _ = FineTuneProfile.time(.optimizer) { self.step.apply(to: model, lrFactor: rate / self.step.lr, step: step) }
    }
    func snapshot(member _: Int) -> [[Float]] { model.tensors.map(\.value) }
    func restore(member _: Int, _ s: [[Float]]) { for (t, v) in zip(model.tensors, s) { t.value = v } }
}

/// Rows of one forward pass of a `BertFineTuneModel`: hidden states x [m, t, C] cropped to the
/// chunk's longest sample, token counts [m] and labels [m].
public struct HiddenStateChunk {
    public var x: [Float]
    public var counts: [Int]
    public var length: Int
    public var labels: [Int32]
}

/// A `BertFineTuneModel` as an `EpochLoop` model (no BatchNorm).
struct BertFineTuneTraining: ChunkedModel {
    typealias Chunk = HiddenStateChunk
    let model: BertFineTuneModel
    let step: FineTuneStep

    func zeroGrad() { model.zeroGrad() }
    func forward(_ c: HiddenStateChunk) -> (logits: [Float], saved: BertFineTuneModel.Saved) {
        model.forward(c.x, counts: c.counts, length: c.length)
    }
    func loss(logits: [Float], chunk: HiddenStateChunk) -> (loss: Double, dlogits: [Float]) {
        FineTuneModel.crossEntropy(logits: logits, labels: chunk.labels, classes: model.classifier.classes)
    }
    func backward(_ dlogits: [Float], saved: BertFineTuneModel.Saved) { model.backward(dlogits, saved: saved) }
    func update(rate: Float, step: Int) { self.step.apply(to: model, lrFactor: rate / self.step.lr, step: step) }
    func snapshot(member _: Int) -> [[Float]] { model.tensors.map(\.value) }
    func restore(member _: Int, _ s: [[Float]]) { for (t, v) in zip(model.tensors, s) { t.value = v } }
}
