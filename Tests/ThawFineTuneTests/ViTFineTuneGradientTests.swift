import Foundation
import ThawBackbones
import ThawFineTune
import XCTest

/// The trainable top of a ViT (blocks, final norm, pooling, CLIP's projection, classifier) loaded from seeded
/// checkpoints in timm and Hugging Face keys, against torch float64 autograd (`scripts/golden/vit_finetune.py`):
/// logits, loss, d(tokens) and the gradient of every trained tensor under the file's own key, ≤ 1e-3 relative;
/// and central finite differences of the loss.
final class ViTFineTuneGradientTests: XCTestCase {
    static let variants: [String: ViTVariant] = ["dinov2": .dinov2(heads: 4), "clip": .clip(heads: 4), "deit": .deit(heads: 4)]

    func load(_ name: String) throws -> (ViTFineTuneModel, FineTuneGolden) {
        let g = try FineTuneGolden(name)
        guard let url = Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures") else {
            throw MissingFixture("fixture \(name).safetensors missing: run python3 scripts/golden/vit_finetune.py")
        }
        let vit = try ViT.load(name: name, path: url.path, variant: Self.variants[g.meta["family"] as! String]!)
        let classes = g.meta["classes"] as! Int, width = g.meta["pool_width"] as! Int
        let model = try ViTFineTuneModel.load(vit, weights: url.path, firstBlock: g.meta["first_block"] as! Int) { w in
            XCTAssertEqual(w, width)
            return TrainableClassifier(inFeatures: w, classes: classes, weight: g.array("param.fc.weight"), bias: g.array("param.fc.bias"),
                                       keyPrefix: ViT.classifierKey)
        }
        return (model, g)
    }

    func run(_ model: ViTFineTuneModel, _ g: FineTuneGolden, x: [Float]) -> (loss: Double, logits: [Float], saved: ViTFineTuneModel.Saved) {
        let shape = g.arrays["x"]!.shape
        let labels = (g.meta["labels"] as! [Int]).map(Int32.init)
        let (logits, saved) = model.forward(x, batch: shape[0], tokens: shape[1])
        let loss = FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: model.classifier.classes).loss
        return (loss, logits, saved)
    }

    func checkAgainstTorch(_ name: String) throws {
        let (model, g) = try load(name)
        let labels = (g.meta["labels"] as! [Int]).map(Int32.init)
        let (loss, logits, saved) = run(model, g, x: g.array("x"))
        assertClose(logits, g.array("logits"), tol: 1e-4, "\(name) logits")
        XCTAssertEqual(loss, Double(g.array("loss")[0]), accuracy: 1e-5 * max(1, loss), "\(name) loss")
        model.zeroGrad()
        let dlogits = FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: model.classifier.classes).dlogits
        let dx = model.backward(dlogits, saved: saved, inputGradient: true)
        var worst: [(String, Double)] = [("dx", normwise(dx, g.array("dx")))]
        assertClose(dx, g.array("dx"), tol: 1e-3, "\(name) dx")
        let trained = Set(g.meta["trained"] as! [String]).union(["fc.weight", "fc.bias"])
        XCTAssertEqual(Set(model.tensors.map(\.key)), trained, "\(name): the model trains exactly the fixture's tensors")
        for t in model.tensors {
            guard trained.contains(t.key) else { continue }
            let want = g.array("grad." + t.key)
            assertClose(t.torchGrad, want, tol: 1e-3, "\(name) grad \(t.key)")
            // The key bias: Thaw's gradient is exactly 0, torch's float64 noise (~1e-17); left out of the figure.
            if want.allSatisfy({ abs($0) < 1e-9 }) { continue }
            worst.append((t.key, normwise(t.torchGrad, want)))
        }
        let top = worst.max { $0.1 < $1.1 }!
        print("\(name): \(worst.count) gradients (dx + \(worst.count - 1) tensors); worst |Δ|/max|torch| \(top.1) at \(top.0)")
    }

    /// max |a − b| / max |b|.
    func normwise(_ a: [Float], _ b: [Float]) -> Double {
        let scale = b.reduce(0.0) { max($0, abs(Double($1))) }
        return zip(a, b).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1))) } / max(scale, 1e-30)
    }

    /// timm keys (fused qkv), LayerScale, registers, GELU, class ⊕ patch-mean pooling.
    func testDINOv2WithRegistersMatchesTorch() throws { try checkAgainstTorch("vit_ft_dinov2_reg") }
    /// Hugging Face CLIP keys, QuickGELU, projection of the class token (trained).
    func testCLIPWithProjectionMatchesTorch() throws { try checkAgainstTorch("vit_ft_clip") }
    /// timm DeiT keys, no LayerScale, from `embeddings` (every block trains).
    func testDeiTFromEmbeddingsMatchesTorch() throws { try checkAgainstTorch("vit_ft_deit") }

    /// Central differences in Double of the Float loss, for inputs and a parameter of each kind
    /// (the key's rows of the fused qkv, or its own projection; LayerScale, norms, MLP, classifier).
    func testFiniteDifferences() throws {
        for name in ["vit_ft_dinov2_reg", "vit_ft_clip"] {
            let (model, g) = try load(name)
            let x = g.array("x")
            let labels = (g.meta["labels"] as! [Int]).map(Int32.init)
            let (_, logits, saved) = run(model, g, x: x)
            model.zeroGrad()
            let dx = model.backward(FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: model.classifier.classes).dlogits,
                                    saved: saved, inputGradient: true)
            let h: Float = 1e-2
            let c = model.channels
            for i in [3, c + 7, 5 * c + 2, x.count - 1] {
                var p = x, m = x
                p[i] += h; m[i] -= h
                let numeric = (run(model, g, x: p).loss - run(model, g, x: m).loss) / Double(2 * h)
                XCTAssertEqual(Double(dx[i]), numeric, accuracy: 2e-3 * max(0.1, abs(numeric)) + 2e-4, "\(name) dx[\(i)]")
            }
            let b = model.blocks.last!
            var probes: [(TrainableTensor, Int)] = [(b.qkv.count == 1 ? b.qkv[0].weight : b.qkv[1].weight, b.qkv.count == 1 ? c * c + 5 : 5), (b.norm1.gamma, 4), (b.fc1.weight, 100), (b.fc2.bias, 3),
                                                    (model.finalNorm.gamma, 7), (model.classifier.weight, 11)]
            if let ls = b.layerScale1 { probes.append((ls, 2)) }
            if let ls = b.layerScale2 { probes.append((ls, 9)) }
            if let p = model.projection { probes.append((p.weight, 20)) }
            for (tensor, i) in probes {
                let grad = tensor.grad[i], v = tensor.value[i]
                tensor.value[i] = v + h; let lp = run(model, g, x: x).loss
                tensor.value[i] = v - h; let lm = run(model, g, x: x).loss
                tensor.value[i] = v
                let numeric = (lp - lm) / Double(2 * h)
                XCTAssertEqual(Double(grad), numeric, accuracy: 2e-3 * max(0.1, abs(numeric)) + 2e-4, "\(name) \(tensor.key)[\(i)]")
            }
        }
    }
}
