import Foundation
import ThawBackbones
import ThawInputs
import ThawKernels
import ThawONNX
import XCTest

/// EfficientNet-Lite0 (real ImageNet weights) + heads, exported to ONNX and run in ONNX Runtime
/// on the real photos as Thaw preprocesses them: probabilities equal Thaw's to 1e-4.
final class EfficientNetLiteExportTests: XCTestCase {
    func testHeadsOnEveryKindOfTapMatchThaw() throws {
        let weights = try RealInputs.weights("efficientnet-lite0")
        let (pixels, n) = try RealInputs.photos(.efficientNetLite)
        let net = try EfficientNetLite(variant: 0, weightsPath: weights)
        let taps = try net.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil,
                                   taps: ["blocks.12", "head", "pool"])
        // Heads at a trained head's scale: the first layer is scaled by 1/rms of its tap.
        func scale(_ tap: String) -> Float { 1 / ReferenceHead.rms(taps[tap]!.tensor.data) }
        let cases: [(tap: String, head: ONNXHeadSpec)] = [
            ("head", ReferenceHead.seeded(seed: 1, inputWidth: 1280, classes: 10, tapDType: "f16", pooling: "gem",
                                          hidden: [64], activation: "gelu", layerNorm: true, inputScale: scale("head"))),
            ("blocks.12", ReferenceHead.seeded(seed: 2, inputWidth: 2 * 192, classes: 7, tapDType: "bf16", pooling: "avgmax",
                                               hidden: [], inputScale: scale("blocks.12"))),
            ("pool", ReferenceHead.seeded(seed: 3, inputWidth: 1280, classes: 5, tapDType: "f32", pooling: "none",
                                          hidden: [32, 16], activation: "relu", gain: 1, inputScale: scale("pool"))),
            ("head", ReferenceHead.seeded(seed: 4, inputWidth: 1280, classes: 3, tapDType: "f16", pooling: "max", hidden: [],
                                          inputScale: scale("head"))),
        ]
        for (tap, head) in cases {
            let k = head.tensors["head.out.bias"]!.shape[0]
            let classes = (0..<k).map { "class \($0)" }
            let model = try ONNXExport.model(backbone: "efficientnet-lite0", weights: weights, tap: tap, head: head, classes: classes)
            let out = try ONNXRuntimeRunner.run(model: model, inputs: ["pixels": .float(pixels, shape: [n, 224, 224, 3])])
            let (thawLogits, thaw) = ReferenceHead.forward(tap: taps[tap]!.tensor, head: head, classes: k)
            XCTAssertEqual(out["probabilities"]!.shape, [n, k])
            assertLogitsMatch(out["logits"]!.values, thawLogits, relativeTolerance: head.tapDType == "f32" ? 1e-4 : 1e-3,
                              "\(tap) logits")
            assertProbabilitiesMatch(out["probabilities"]!.values, thaw, tolerance: tolerance(head.tapDType), modelBytes: model.count,
                                     "efficientnet-lite0 \(tap) \(head.tapDType) \(head.pooling) \(head.type)\(head.hidden)")
            XCTAssertGreaterThan(thaw.max()!, 1.5 / Float(k), "the seeded head should not give uniform probabilities")
            assertNotSaturated(thaw, "\(tap)")
        }
    }

    /// A fine-tuned network's own classifier (here the ImageNet one, 1000 classes).
    func testFineTunedClassifierMatchesThaw() throws {
        let weights = try RealInputs.weights("efficientnet-lite0")
        let (pixels, n) = try RealInputs.photos(.efficientNetLite)
        let net = try EfficientNetLite(variant: 0, weightsPath: weights)
        let thawLogits = try net.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil,
                                         taps: ["fc"])["fc"]!.tensor.data
        var logits = thawLogits
        Softmax.forward(&logits, rows: n, columns: 1000)
        let model = try ONNXExport.finetunedModel(backbone: "efficientnet-lite0", weights: weights,
                                                  classes: (0..<1000).map { "imagenet \($0)" })
        let out = try ONNXRuntimeRunner.run(model: model, inputs: ["pixels": .float(pixels, shape: [n, 224, 224, 3])])
        assertLogitsMatch(out["logits"]!.values, thawLogits, "efficientnet-lite0 fc logits")
        assertProbabilitiesMatch(out["probabilities"]!.values, logits, modelBytes: model.count, "efficientnet-lite0 fc (ImageNet)")
        assertNotSaturated(logits, "efficientnet-lite0 fc")
        // Same top-1 class for every photo.
        for i in 0..<n {
            let a = out["probabilities"]!.values[i * 1000..<(i + 1) * 1000], b = logits[i * 1000..<(i + 1) * 1000]
            XCTAssertEqual(a.firstIndex(of: a.max()!), b.firstIndex(of: b.max()!), "photo \(i): top-1 differs")
        }
    }

    func testUnknownTapAndMismatchedHeadAreClearErrors() throws {
        let weights = try RealInputs.weights("efficientnet-lite0")
        let head = ReferenceHead.seeded(seed: 5, inputWidth: 1280, classes: 2, tapDType: "f32", pooling: "none", hidden: [])
        XCTAssertThrowsError(try ONNXExport.model(backbone: "efficientnet-lite0", weights: weights, tap: "blocks.99", head: head,
                                                  classes: ["a", "b"])) {
            XCTAssertTrue("\($0)".contains("no cut point 'blocks.99'") && "\($0)".contains("Fix:"), "\($0)")
        }
        // A vector head on a 7×7×1280 map flattened: the shapes disagree, and the error says so.
        XCTAssertThrowsError(try ONNXExport.model(backbone: "efficientnet-lite0", weights: weights, tap: "head", head: head,
                                                  classes: ["a", "b"])) {
            XCTAssertTrue("\($0)".contains("head.out.weight"), "\($0)")
        }
    }
}
