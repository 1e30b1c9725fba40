import Foundation
import ThawBackbones
import ThawHeads
import ThawInputs
import ThawKernels
import ThawONNX
import XCTest

/// ResNet exports. No pretrained ResNet installs offline, so the checkpoints are seeded random
/// torchvision state dicts written as safetensors (every key ResNet asks for, in its order);
/// Thaw and the exporter both load that file. Inputs are the real photos, ImageNet preset.
final class ResNetExportTests: XCTestCase {
    /// Writes a seeded resnet`depth` state dict with a `classes`-way fc; returns its path.
    /// Writes a seeded resnet`depth` state dict with a `classes`-way fc (weights × `fcScale`); returns its path.
    func seededCheckpoint(depth: Int, classes: Int, seed: UInt64, fcScale: Float = 1, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("resnet\(depth)-seeded.safetensors")
        try SeededCheckpoint.write(seed: seed, scales: ["fc.weight": fcScale], to: path) { source in
            _ = try ResNet(depth: depth, classes: classes, parameters: source)
        }
        return path.path
    }

    func testResNet18HeadsMatchThaw() throws {
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try seededCheckpoint(depth: 18, classes: 1000, seed: 18, in: dir)
        let (pixels, n) = try RealInputs.photos(.imagenet)
        let net = try ResNet.load(depth: 18, path: weights)
        let taps = try net.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil,
                                   taps: ["layer3", "layer4", "pool"])
        // Random ResNets have large activations: the first head layer is scaled by 1/rms of its tap.
        func scale(_ tap: String) -> Float { 1 / ReferenceHead.rms(taps[tap]!.tensor.data) }
        let cases: [(tap: String, head: ONNXHeadSpec)] = [
            ("layer4", ReferenceHead.seeded(seed: 31, inputWidth: 512, classes: 10, tapDType: "f16", pooling: "gem",
                                            hidden: [64], activation: "gelu", layerNorm: true, inputScale: scale("layer4"))),
            ("layer3", ReferenceHead.seeded(seed: 32, inputWidth: 512, classes: 6, tapDType: "bf16", pooling: "avgmax", hidden: [],
                                            inputScale: scale("layer3"))),
            // Flattened map: the graph must flatten channels-last [H, W, C] as Thaw's cache does.
            ("layer4", ReferenceHead.seeded(seed: 34, inputWidth: 7 * 7 * 512, classes: 4, tapDType: "f32", pooling: "none",
                                            hidden: [], inputScale: scale("layer4"))),
            ("pool", ReferenceHead.seeded(seed: 33, inputWidth: 512, classes: 5, tapDType: "f32", pooling: "none",
                                          hidden: [32, 16], activation: "relu", gain: 1, inputScale: scale("pool"))),
        ]
        for (tap, head) in cases {
            let k = head.tensors["head.out.bias"]!.shape[0]
            let model = try ONNXExport.model(backbone: "resnet18", weights: weights, tap: tap, head: head,
                                             classes: (0..<k).map { "class \($0)" })
            let out = try ONNXRuntimeRunner.run(model: model, inputs: ["pixels": .float(pixels, shape: [n, 224, 224, 3])])
            let (thawLogits, thaw) = ReferenceHead.forward(tap: taps[tap]!.tensor, head: head, classes: k)
            XCTAssertEqual(out["probabilities"]!.shape, [n, k])
            assertLogitsMatch(out["logits"]!.values, thawLogits, relativeTolerance: head.tapDType == "f32" ? 1e-4 : 1e-3,
                              "\(tap) logits")
            assertProbabilitiesMatch(out["probabilities"]!.values, thaw, tolerance: tolerance(head.tapDType), modelBytes: model.count,
                                     "resnet18 (seeded) \(tap) \(head.tapDType) \(head.pooling) \(head.type)\(head.hidden)")
            XCTAssertGreaterThan(thaw.max()!, 1.5 / Float(k), "the seeded head should not give uniform probabilities")
            assertNotSaturated(thaw, "\(tap)")
        }
    }

    /// Bottleneck blocks and a fine-tuned network's own 10-class `fc`.
    func testResNet50FineTunedClassifierMatchesThaw() throws {
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (pixels, n) = try RealInputs.photos(.imagenet)
        // First pass: how large the logits come out; then the same checkpoint with fc scaled to logits of rms ≈ 2.
        let raw = try seededCheckpoint(depth: 50, classes: 10, seed: 50, in: dir)
        let rawLogits = try ResNet.load(depth: 50, path: raw).forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)),
                                                                        from: nil, taps: ["fc"])["fc"]!.tensor.data
        let weights = try seededCheckpoint(depth: 50, classes: 10, seed: 50, fcScale: 2 / ReferenceHead.rms(rawLogits), in: dir)
        let net = try ResNet.load(depth: 50, path: weights)
        let thawLogits = try net.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil,
                                         taps: ["fc"])["fc"]!.tensor.data
        var thaw = thawLogits
        Softmax.forward(&thaw, rows: n, columns: 10)
        let model = try ONNXExport.finetunedModel(backbone: "resnet50", weights: weights, classes: (0..<10).map { "class \($0)" })
        let out = try ONNXRuntimeRunner.run(model: model, inputs: ["pixels": .float(pixels, shape: [n, 224, 224, 3])])
        assertLogitsMatch(out["logits"]!.values, thawLogits, "resnet50 fc logits")
        assertProbabilitiesMatch(out["probabilities"]!.values, thaw, modelBytes: model.count, "resnet50 (seeded) fc, 10 classes")
        assertNotSaturated(thaw, "resnet50 fc")
    }
}
