import Foundation
import ThawBackbones
import ThawInputs
import ThawKernels
import ThawONNX
import XCTest

/// MobileNetV2 (torchvision's real ImageNet weights) exported to ONNX and run in ONNX Runtime on the
/// real photos as Thaw preprocesses them: heads on a map tap and on `pool`, and the network's own
/// classifier (what a fine-tuned MobileNetV2 bundle exports), equal to Thaw's probabilities to 1e-4.
final class MobileNetV2ExportTests: XCTestCase {
    static let preset = Preprocessing.imagenet(resize: 256, crop: 224)

    func testHeadsOnMapAndPoolMatchThaw() throws {
        let weights = try RealInputs.weights("mobilenet-v2")
        let (pixels, n) = try RealInputs.photos(Self.preset)
        let net = try MobileNetV2(weightsPath: weights)
        let taps = try net.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil,
                                   taps: ["features.14", "features.18", "pool"])
        func scale(_ tap: String) -> Float { 1 / ReferenceHead.rms(taps[tap]!.tensor.data) }
        let cases: [(tap: String, head: ONNXHeadSpec)] = [
            ("features.14", ReferenceHead.seeded(seed: 6, inputWidth: 160, classes: 10, tapDType: "f32", pooling: "avg",
                                                 hidden: [], inputScale: scale("features.14"))),
            ("features.18", ReferenceHead.seeded(seed: 7, inputWidth: 1280, classes: 4, tapDType: "f16", pooling: "max",
                                                 hidden: [32], activation: "relu", inputScale: scale("features.18"))),
            ("pool", ReferenceHead.seeded(seed: 8, inputWidth: 1280, classes: 5, tapDType: "f32", pooling: "none",
                                          hidden: [], inputScale: scale("pool"))),
        ]
        for (tap, head) in cases {
            let k = head.tensors["head.out.bias"]!.shape[0]
            let model = try ONNXExport.model(backbone: "mobilenet-v2", weights: weights, tap: tap, head: head,
                                             classes: (0..<k).map { "class \($0)" })
            let out = try ONNXRuntimeRunner.run(model: model, inputs: ["pixels": .float(pixels, shape: [n, 224, 224, 3])])
            let (thawLogits, thaw) = ReferenceHead.forward(tap: taps[tap]!.tensor, head: head, classes: k)
            assertLogitsMatch(out["logits"]!.values, thawLogits, relativeTolerance: head.tapDType == "f32" ? 1e-4 : 1e-3, "\(tap) logits")
            assertProbabilitiesMatch(out["probabilities"]!.values, thaw, tolerance: head.tapDType == "f32" ? 1e-4 : 1e-3,
                                     modelBytes: model.count, "mobilenet-v2 \(tap) \(head.tapDType) \(head.pooling)")
            XCTAssertGreaterThan(thaw.max()!, 1.5 / Float(k), "the seeded head should not give uniform probabilities")
        }
    }

    /// The network's own classifier (ImageNet, 1000 classes): what `thaw export` writes for a fine-tuned bundle.
    func testOwnClassifierMatchesThaw() throws {
        let weights = try RealInputs.weights("mobilenet-v2")
        let (pixels, n) = try RealInputs.photos(Self.preset)
        let net = try MobileNetV2(weightsPath: weights)
        let thawLogits = try net.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil,
                                         taps: ["fc"])["fc"]!.tensor.data
        var probabilities = thawLogits
        Softmax.forward(&probabilities, rows: n, columns: 1000)
        let model = try ONNXExport.finetunedModel(backbone: "mobilenet-v2", weights: weights, classes: (0..<1000).map { "imagenet \($0)" })
        let out = try ONNXRuntimeRunner.run(model: model, inputs: ["pixels": .float(pixels, shape: [n, 224, 224, 3])])
        assertLogitsMatch(out["logits"]!.values, thawLogits, "mobilenet-v2 fc logits")
        assertProbabilitiesMatch(out["probabilities"]!.values, probabilities, modelBytes: model.count, "mobilenet-v2 fc (ImageNet)")
        assertNotSaturated(probabilities, "mobilenet-v2 fc")
        for i in 0..<n {
            let a = out["probabilities"]!.values[i * 1000..<(i + 1) * 1000], b = probabilities[i * 1000..<(i + 1) * 1000]
            XCTAssertEqual(a.firstIndex(of: a.max()!), b.firstIndex(of: b.max()!), "photo \(i): top-1 differs")
        }
    }
}
