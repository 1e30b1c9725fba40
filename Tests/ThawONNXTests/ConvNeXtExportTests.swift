import Foundation
import ThawBackbones
import ThawInputs
import ThawKernels
import ThawONNX
import ThawWeights
import XCTest

/// ConvNeXt exports through the generic `convnext` model. No ConvNeXt weights install offline, so the checkpoint is
/// a small seeded ConvNeXt (widths 8-16-24-32, depths 1-1-2-1) in timm's key layout; Thaw and the exporter both load
/// that file. Inputs are the real photos at 224 (`imagenet-bicubic`), run by ONNX Runtime and by Thaw.
final class ConvNeXtExportTests: XCTestCase {
    /// timm keys in ConvNeXt's order; layer scales γ in [0.3, 0.7), norm weights in [0.5, 1.5), the classifier × `fcScale`.
    func seededCheckpoint(classes: Int?, seed: UInt64, fcScale: Float = 1, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("convnext-seeded-\(seed).safetensors")
        let dims = [8, 16, 24, 32], depths = [1, 1, 2, 1]
        try SeededCheckpoint.write(seed: seed, scales: ["head.fc.weight": fcScale], to: path) { source in
            func pair(_ p: String, _ w: [Int]) throws { _ = try source(p + ".weight", w); _ = try source(p + ".bias", [w[0]]) }
            try pair("stem.0", [dims[0], 3, 4, 4]); try pair("stem.1", [dims[0]])
            for (i, c) in dims.enumerated() {
                if i > 0 { try pair("stages.\(i).downsample.0", [dims[i - 1]]); try pair("stages.\(i).downsample.1", [c, dims[i - 1], 2, 2]) }
                for j in 0..<depths[i] {
                    let p = "stages.\(i).blocks.\(j)."
                    try pair(p + "conv_dw", [c, 1, 7, 7]); try pair(p + "norm", [c])
                    try pair(p + "mlp.fc1", [4 * c, c]); try pair(p + "mlp.fc2", [c, 4 * c])
                    _ = try source(p + "gamma.weight", [c])   // renamed below: SeededCheckpoint draws 1-D "weight"s in [0.5, 1.5)
                }
            }
            try pair("head.norm", [dims[3]])
            if let classes { try pair("head.fc", [classes, dims[3]]) }
        }
        // `gamma.weight` → `gamma`, scaled into [0.3, 0.7) (timm's layer scale key has no suffix).
        let file = try WeightFile.load(path.path)
        let tensors = file.tensors.map { t -> (name: String, shape: [Int], values: [Float]) in
            t.name.hasSuffix("gamma.weight") ? (String(t.name.dropLast(".weight".count)), t.shape, t.floats().map { 0.3 + 0.4 * ($0 - 0.5) })
                                             : (t.name, t.shape, t.floats())
        }
        try SafetensorsFile.write(tensors, to: path)
        return path.path
    }

    func testStageAndPoolHeadsMatchThaw() throws {
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try seededCheckpoint(classes: nil, seed: 61, in: dir)
        let preset = try XCTUnwrap(Preprocessing.named("imagenet-bicubic", resize: 256, crop: 224))
        let (pixels, n) = try RealInputs.photos(preset)
        let net = try ConvNeXt(name: "convnext", path: weights)
        let taps = try net.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil, taps: ["stages.2", "pool"])
        func scale(_ tap: String) -> Float { 1 / ReferenceHead.rms(taps[tap]!.tensor.data) }
        let cases: [(tap: String, head: ONNXHeadSpec)] = [
            ("stages.2", ReferenceHead.seeded(seed: 41, inputWidth: 24, classes: 6, tapDType: "f32", pooling: "avg", hidden: [16],
                                              activation: "gelu", layerNorm: true, inputScale: scale("stages.2"))),
            ("pool", ReferenceHead.seeded(seed: 42, inputWidth: 32, classes: 5, tapDType: "f32", pooling: "none", hidden: [],
                                          inputScale: scale("pool"))),
        ]
        for (tap, head) in cases {
            let k = head.tensors["head.out.bias"]!.shape[0]
            let model = try ONNXExport.model(backbone: "convnext", weights: weights, tap: tap, head: head, classes: (0..<k).map { "class \($0)" })
            let out = try ONNXRuntimeRunner.run(model: model, inputs: ["pixels": .float(pixels, shape: [n, 224, 224, 3])])
            let (thawLogits, thaw) = ReferenceHead.forward(tap: taps[tap]!.tensor, head: head, classes: k)
            XCTAssertEqual(out["probabilities"]!.shape, [n, k])
            assertLogitsMatch(out["logits"]!.values, thawLogits, relativeTolerance: head.tapDType == "f32" ? 1e-4 : 1e-3, "\(tap) logits")
            assertProbabilitiesMatch(out["probabilities"]!.values, thaw, tolerance: tolerance(head.tapDType), modelBytes: model.count,
                                     "convnext (seeded) \(tap) \(head.tapDType) \(head.pooling) \(head.type)\(head.hidden)")
            assertNotSaturated(thaw, tap)
        }
    }

    /// A fine-tuned network's own classifier (`head.fc`), as `thaw export` writes a `finetune --export` bundle.
    func testFineTunedClassifierMatchesThaw() throws {
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let preset = try XCTUnwrap(Preprocessing.named("imagenet-bicubic", resize: 256, crop: 224))
        let (pixels, n) = try RealInputs.photos(preset)
        let input = Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels))
        let raw = try seededCheckpoint(classes: 10, seed: 62, in: dir)
        let rawLogits = try ConvNeXt(name: "convnext", path: raw).forward(input, from: nil, taps: ["fc"])["fc"]!.tensor.data
        let weights = try seededCheckpoint(classes: 10, seed: 62, fcScale: 2 / ReferenceHead.rms(rawLogits), in: dir)
        let thawLogits = try ConvNeXt(name: "convnext", path: weights).forward(input, from: nil, taps: ["fc"])["fc"]!.tensor.data
        var thaw = thawLogits
        Softmax.forward(&thaw, rows: n, columns: 10)
        let model = try ONNXExport.finetunedModel(backbone: "convnext", weights: weights, classes: (0..<10).map { "class \($0)" })
        let out = try ONNXRuntimeRunner.run(model: model, inputs: ["pixels": .float(pixels, shape: [n, 224, 224, 3])])
        assertLogitsMatch(out["logits"]!.values, thawLogits, "convnext fc logits")
        assertProbabilitiesMatch(out["probabilities"]!.values, thaw, modelBytes: model.count, "convnext (seeded) fc, 10 classes")
        assertNotSaturated(thaw, "convnext fc")
    }
}
