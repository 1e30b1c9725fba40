import Foundation
import ThawCore
import ThawBackbones
import ThawHeads
import ThawKernels
import ThawONNX
import ThawWeights
import XCTest

/// all-MiniLM-L6-v2 (real weights) + heads, exported to ONNX and run in ONNX Runtime on real
/// sentences tokenized by Thaw (padded batch, so the attention and pooling masks matter).
final class BertExportTests: XCTestCase {
    struct Batch { var ids: [Int64]; var mask: [Int64]; var floatIDs: [Float]; var floatMask: [Float]; var n: Int; var t: Int }

    /// Padded to the longest sentence, or (`fixed`) to the tokenizer's max length as the cache stores token taps.
    func tokenized(_ backbone: BertBackbone, fixed: Bool = false) throws -> Batch {
        let tokenizer = try XCTUnwrap(backbone.tokenizer, "vocab.txt beside the MiniLM weights")
        let b = tokenizer.encodeBatch(RealInputs.sentences, padding: fixed ? .fixed(tokenizer.maxLength) : .longest)
        XCTAssertTrue(b.attentionMask.contains(0), "the batch should carry padding")
        return Batch(ids: b.ids.map(Int64.init), mask: b.attentionMask.map(Int64.init), floatIDs: b.ids.map(Float.init),
                     floatMask: b.attentionMask.map(Float.init), n: b.batchSize, t: b.length)
    }

    func run(_ model: Data, _ b: Batch) throws -> [String: (shape: [Int], values: [Float])] {
        try ONNXRuntimeRunner.run(model: model, inputs: ["input_ids": .int64(b.ids, shape: [b.n, b.t]),
                                                         "attention_mask": .int64(b.mask, shape: [b.n, b.t])])
    }

    func testHeadsOnPoolAndTokenTapsMatchThaw() throws {
        let weights = try RealInputs.weights("all-minilm-l6-v2")
        let backbone = try ModelCatalog.named("all-minilm-l6-v2").load(weights) as! BertBackbone
        let longest = try tokenized(backbone), fixed = try tokenized(backbone, fixed: true)
        var taps: [String: Activations] = [:]
        for (batch, names) in [(longest, ["pool"]), (fixed, ["layer.2", "layer.5"])] {
            taps.merge(try backbone.forward(Activations(tensor: Tensor(shape: [batch.n, batch.t], data: batch.floatIDs), mask: batch.floatMask),
                                            from: nil, taps: names)) { a, _ in a }
        }
        let cases: [(tap: String, head: ONNXHeadSpec)] = [
            ("pool", ReferenceHead.seeded(seed: 11, inputWidth: 384, classes: 5, tapDType: "f16", pooling: "none",
                                          hidden: [48], activation: "gelu", layerNorm: true, gain: 8)),
            ("pool", ReferenceHead.seeded(seed: 12, inputWidth: 384, classes: 4, tapDType: "f32", pooling: "none", hidden: [], gain: 8)),
            ("layer.2", ReferenceHead.seeded(seed: 13, inputWidth: 384, classes: 3, tapDType: "bf16", pooling: "avg", hidden: [])),
            ("layer.5", ReferenceHead.seeded(seed: 14, inputWidth: 2 * 384, classes: 6, tapDType: "f16", pooling: "avgmax",
                                             hidden: [32], activation: "relu")),
        ]
        for (tap, head) in cases {
            let k = head.tensors["head.out.bias"]!.shape[0]
            let model = try ONNXExport.model(backbone: "all-minilm-l6-v2", weights: weights, tap: tap, head: head,
                                             classes: (0..<k).map { "topic \($0)" })
            let b = tap == "pool" ? longest : fixed
            let out = try run(model, b)
            let (thawLogits, thaw) = ReferenceHead.forward(tap: taps[tap]!.tensor, head: head, classes: k)
            XCTAssertEqual(out["probabilities"]!.shape, [b.n, k])
            assertLogitsMatch(out["logits"]!.values, thawLogits, relativeTolerance: head.tapDType == "f32" ? 1e-4 : 1e-3,
                              "\(tap) logits")
            assertProbabilitiesMatch(out["probabilities"]!.values, thaw, tolerance: tolerance(head.tapDType), modelBytes: model.count,
                                     "all-minilm-l6-v2 \(tap) \(head.tapDType) \(head.pooling) \(head.type)\(head.hidden)")
            XCTAssertGreaterThan(thaw.max()!, 1.5 / Float(k), "the seeded head should not give uniform probabilities")
            if tap != "pool" {
                XCTAssertThrowsError(try run(model, longest), "a token-tap head takes only the cache's padded length")
            } else {
                // The masked pool does not depend on how far the batch is padded.
                assertProbabilitiesMatch(try run(model, fixed)["probabilities"]!.values, thaw, modelBytes: model.count,
                                         "all-minilm-l6-v2 \(tap) padded to \(fixed.t)")
            }
            assertNotSaturated(thaw, "\(tap)")
        }
    }

    /// A fine-tuned export: the encoder plus `classifier.*` on the mean-pooled tokens, with and
    /// without L2 normalisation (`thaw finetune --l2`).
    func testFineTunedClassifierMatchesThaw() throws {
        let weights = try RealInputs.weights("all-minilm-l6-v2")
        let backbone = try ModelCatalog.named("all-minilm-l6-v2").load(weights) as! BertBackbone
        let b = try tokenized(backbone)
        let c = 384, k = 4
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix64(seed: 21)
        let classifierWeight = (0..<k * c).map { _ in (2 * rng.nextUnitFloat() - 1) * 0.5 }
        let classifierBias = (0..<k).map { _ in (2 * rng.nextUnitFloat() - 1) * 0.1 }
        let file = try WeightFile.load(weights)
        let path = dir.appendingPathComponent("finetuned.safetensors")
        try SafetensorsFile.write(file.tensors.map { ($0.name, $0.shape, $0.floats()) }
                                  + [("classifier.weight", [k, c], classifierWeight), ("classifier.bias", [k], classifierBias)], to: path)

        let hidden = try backbone.forward(Activations(tensor: Tensor(shape: [b.n, b.t], data: b.floatIDs), mask: b.floatMask),
                                          from: nil, taps: ["layer.5"])["layer.5"]!.tensor.data
        for l2 in [true, false] {
            var pooled = [Float](repeating: 0, count: b.n * c)
            EmbeddingMeanPool.forward(hidden: hidden, mask: b.mask.map(Int32.init), batch: b.n, length: b.t, channels: c,
                                      normalize: l2, out: &pooled)
            var thaw = [Float](repeating: 0, count: b.n * k)
            Linear.forward(LinearParameters(weight: classifierWeight, bias: classifierBias, inFeatures: c, outFeatures: k),
                           x: pooled, rows: b.n, y: &thaw)
            let thawLogits = thaw
            Softmax.forward(&thaw, rows: b.n, columns: k)
            let model = try ONNXExport.finetunedModel(backbone: "all-minilm-l6-v2", weights: path.path,
                                                      classes: ["a", "b", "c", "d"], l2Normalize: l2)
            let out = try run(model, b)
            assertLogitsMatch(out["logits"]!.values, thawLogits, "fine-tuned l2 \(l2) logits")
            assertProbabilitiesMatch(out["probabilities"]!.values, thaw, modelBytes: model.count,
                                     "all-minilm-l6-v2 fine-tuned classifier, l2 \(l2)")
            assertNotSaturated(thaw, "fine-tuned l2 \(l2)")
        }
        XCTAssertThrowsError(try ONNXExport.finetunedModel(backbone: "all-minilm-l6-v2", weights: path.path, classes: ["a"])) {
            XCTAssertTrue("\($0)".contains("4 outputs but 1 class names"), "\($0)")
        }
    }
}
