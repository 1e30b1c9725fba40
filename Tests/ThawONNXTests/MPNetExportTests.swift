import Foundation
import ThawCore
import ThawBackbones
import ThawHeads
import ThawKernels
import ThawONNX
import ThawWeights
import XCTest

/// A seeded small MPNet (the generic `mpnet` entry: sizes from the weights, heads and padding id from
/// config.json) + heads, and a fine-tuned classifier, exported to ONNX and run in ONNX Runtime against
/// Thaw's forward: rows of 200, 140 and 9 tokens padded with the padding id, so relative distances pass
/// the 128 the buckets cover, positions count after the padding id, and padding keys are masked.
final class MPNetExportTests: XCTestCase {
    static let c = 32, heads = 4, vocabulary = 200

    /// Writes the seeded MPNet (3 layers) and its config.json into `dir`; returns the weight file.
    func seededMPNet(in dir: URL) throws -> URL {
        let cfg = BertConfiguration(vocabularySize: Self.vocabulary, hiddenSize: Self.c, layers: 3, heads: Self.heads, intermediateSize: 64,
                                    maxPositions: 514, typeVocabularySize: 0, layerNormEps: 1e-5, flavor: .mpnet,
                                    relativeAttentionBuckets: 32, paddingIndex: 1)
        let url = dir.appendingPathComponent("model.safetensors")
        try SeededCheckpoint.write(seed: 31, to: url) { source in _ = try BertEncoder(configuration: cfg, parameters: source) }
        try Data(#"{"num_attention_heads": 4, "layer_norm_eps": 1e-05, "pad_token_id": 1, "model_type": "mpnet"}"#.utf8)
            .write(to: dir.appendingPathComponent("config.json"))
        return url
    }

    /// Token ids [3, t] (ids 5…199, then the padding id 1) and the mask, for rows of `counts` tokens.
    func batch(length t: Int, counts: [Int] = [200, 140, 9]) -> (ids: [Int64], mask: [Int64]) {
        var rng = SplitMix64(seed: 7)
        var ids = [Int64](repeating: 1, count: counts.count * t), mask = [Int64](repeating: 0, count: counts.count * t)
        for (r, n) in counts.enumerated() {
            for j in 0..<n { ids[r * t + j] = Int64(5 + Int(rng.nextUnitFloat() * Float(Self.vocabulary - 5)) % (Self.vocabulary - 5)); mask[r * t + j] = 1 }
        }
        return (ids, mask)
    }

    func thawTaps(_ backbone: BertBackbone, _ b: (ids: [Int64], mask: [Int64]), length t: Int, taps: [String]) throws -> [String: Activations] {
        try backbone.forward(Activations(tensor: Tensor(shape: [3, t], data: b.ids.map(Float.init)), mask: b.mask.map(Float.init)),
                             from: nil, taps: taps)
    }

    func onnx(_ model: Data, _ b: (ids: [Int64], mask: [Int64]), length t: Int) throws -> [String: (shape: [Int], values: [Float])] {
        try ONNXRuntimeRunner.run(model: model, inputs: ["input_ids": .int64(b.ids, shape: [3, t]), "attention_mask": .int64(b.mask, shape: [3, t])])
    }

    func testHeadsOnPoolAndTokenTapsMatchThaw() throws {
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try seededMPNet(in: dir).path
        let backbone = try ModelCatalog.named("mpnet").load(weights) as! BertBackbone
        // Pool heads take any T (here 200); token-tap heads the tokenizer's max length (512), as the cache stores them.
        for (tap, t, head) in [("pool", 200, ReferenceHead.seeded(seed: 11, inputWidth: Self.c, classes: 5, tapDType: "f32", pooling: "none",
                                                                   hidden: [], gain: 8)),
                               ("layer.1", 512, ReferenceHead.seeded(seed: 12, inputWidth: Self.c, classes: 3, tapDType: "f16", pooling: "avg",
                                                                      hidden: [16], activation: "gelu"))] {
            let b = batch(length: t)
            let thawTap = try XCTUnwrap(try thawTaps(backbone, b, length: t, taps: [tap])[tap])
            let k = head.tensors["head.out.bias"]!.shape[0]
            let model = try ONNXExport.model(backbone: "mpnet", weights: weights, tap: tap, head: head, classes: (0..<k).map { "c\($0)" })
            let out = try onnx(model, b, length: t)
            let (thawLogits, thaw) = ReferenceHead.forward(tap: thawTap.tensor, head: head, classes: k)
            assertLogitsMatch(out["logits"]!.values, thawLogits, relativeTolerance: head.tapDType == "f32" ? 1e-4 : 1e-3, "mpnet \(tap) logits")
            assertProbabilitiesMatch(out["probabilities"]!.values, thaw, tolerance: tolerance(head.tapDType), modelBytes: model.count,
                                     "mpnet \(tap) head")
            assertNotSaturated(thaw, "mpnet \(tap)")
        }
    }

    /// A fine-tuned export (`thaw finetune --export`'s keys: the encoder + `classifier.*` on the L2-normalised mean).
    func testFineTunedClassifierMatchesThaw() throws {
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try seededMPNet(in: dir)
        let c = Self.c, k = 4, t = 200
        var rng = SplitMix64(seed: 21)
        let classifierWeight = (0..<k * c).map { _ in (2 * rng.nextUnitFloat() - 1) * 4 }
        let classifierBias = (0..<k).map { _ in (2 * rng.nextUnitFloat() - 1) * 0.1 }
        let file = try WeightFile.load(weights.path)
        let path = dir.appendingPathComponent("finetuned.safetensors")
        try SafetensorsFile.write(file.tensors.map { ($0.name, $0.shape, $0.floats()) }
                                  + [("classifier.weight", [k, c], classifierWeight), ("classifier.bias", [k], classifierBias)], to: path)
        let backbone = try ModelCatalog.named("mpnet").load(weights.path) as! BertBackbone
        let b = batch(length: t)
        let pooled = try XCTUnwrap(try thawTaps(backbone, b, length: t, taps: ["pool"])["pool"]).tensor.data
        var thaw = [Float](repeating: 0, count: 3 * k)
        Linear.forward(LinearParameters(weight: classifierWeight, bias: classifierBias, inFeatures: c, outFeatures: k), x: pooled, rows: 3, y: &thaw)
        let thawLogits = thaw
        Softmax.forward(&thaw, rows: 3, columns: k)
        let model = try ONNXExport.finetunedModel(backbone: "mpnet", weights: path.path, classes: ["a", "b", "c", "d"], l2Normalize: true)
        let out = try onnx(model, b, length: t)
        assertLogitsMatch(out["logits"]!.values, thawLogits, "mpnet fine-tuned logits")
        assertProbabilitiesMatch(out["probabilities"]!.values, thaw, modelBytes: model.count, "mpnet fine-tuned classifier")
        assertNotSaturated(thaw, "mpnet fine-tuned")
    }
}
