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

/// EfficientNet-Lite2 at its own 260×260: odd map sizes (65, 33, 17, 9) make TF SAME pad on
/// both sides of strided convolutions, which Lite0 at 224 never does. Seeded weights (only
/// Lite0's install offline), the network's own 10-class classifier.
final class EfficientNetLite2ExportTests: XCTestCase {
    func testSeededLite2ClassifierMatchesThaw() throws {
        let entry = try ModelCatalog.named("efficientnet-lite2")
        guard case .image(_, let resize, let size) = entry.input else { return XCTFail("lite2 takes images") }
        let (pixels, n) = try RealInputs.photos(.efficientNetLite(resize: resize, crop: size))
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("lite2-seeded.safetensors")
        var fc: (weight: [Float], bias: [Float]) = ([], [])
        func checkpoint(fcScale: Float) throws {
            try SeededCheckpoint.write(seed: 2, scales: ["_fc.weight": fcScale], to: path) { source in
                _ = try EfficientNetLite(variant: 2, classCount: 10) { name, shape in
                    let values = try source(name, shape)
                    if name == "_fc.weight" { fc.weight = values } else if name == "_fc.bias" { fc.bias = values }
                    return values
                }
            }
        }
        // Thaw's forward from the file to `pool`, then its fc (the same Linear.forward Thaw's `fc`
        // stage runs) with the classifier rescaled to logits of rms ≈ 2, written back to the file.
        try checkpoint(fcScale: 1)
        let input = Activations(tensor: Tensor(shape: [n, size, size, 3], data: pixels))
        let taps = try EfficientNetLite(variant: 2, weightsPath: path.path).forward(input, from: nil, taps: ["pool", "fc"])
        try checkpoint(fcScale: 2 / ReferenceHead.rms(taps["fc"]!.tensor.data))
        var thawLogits = [Float](repeating: 0, count: n * 10)
        Linear.forward(LinearParameters(weight: fc.weight, bias: fc.bias, inFeatures: 1280, outFeatures: 10),
                       x: taps["pool"]!.tensor.data, rows: n, y: &thawLogits)
        var thaw = thawLogits
        Softmax.forward(&thaw, rows: n, columns: 10)
        let model = try ONNXExport.finetunedModel(backbone: "efficientnet-lite2", weights: path.path,
                                                  classes: (0..<10).map { "class \($0)" })
        let out = try ONNXRuntimeRunner.run(model: model, inputs: ["pixels": .float(pixels, shape: [n, size, size, 3])])
        assertLogitsMatch(out["logits"]!.values, thawLogits, "efficientnet-lite2 (seeded) fc logits")
        assertProbabilitiesMatch(out["probabilities"]!.values, thaw, modelBytes: model.count, "efficientnet-lite2 (seeded) fc, 10 classes")
        assertNotSaturated(thaw, "efficientnet-lite2 fc")
    }
}
