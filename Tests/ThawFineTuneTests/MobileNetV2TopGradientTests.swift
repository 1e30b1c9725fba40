import ThawBackbones
import ThawCore
import ThawFineTune
import ThawKernels
import XCTest

/// MobileNetV2's trainable top (torchvision keys: an unexpanded block, a stride-2 block with symmetric
/// padding on an even size, a residual block, `features.4` as the last 1×1 conv, `classifier.1`) against
/// torch float64 autograd (`scripts/golden/mobilenet_v2_finetune.py`): logits, d(maps), every gradient
/// and the running statistics after a training-mode step; and central differences of the same loss.
final class MobileNetV2TopGradientTests: XCTestCase {
    func testBatchStatisticsAgainstTorch() throws { try check("mnv2_top_train") }
    func testRunningStatisticsAgainstTorch() throws { try check("mnv2_top_frozen") }

    static func specs(_ g: FineTuneGolden) -> [EfficientNetBlockSpec] {
        // [features index, t, in, out, stride]
        (g.meta["specs"] as! [[Int]]).map {
            EfficientNetBlockSpec.custom(kernel: 3, stride: $0[4], expandRatio: $0[1], inChannels: $0[2], outChannels: $0[3])
        }
    }

    func check(_ name: String) throws {
        let g = try FineTuneGolden(name)
        let classes = g.meta["classes"] as! Int, n = g.meta["batch"] as! Int, hw = g.meta["size"] as! Int
        let model = try FineTuneModel.mobileNetV2(blocks: Self.specs(g), boundary: 0, headChannels: g.meta["head"] as! Int,
                                                  parameters: g.parameter) { width in
            TrainableClassifier(inFeatures: width, classes: classes, weight: g.array("param.classifier.1.weight"),
                                bias: g.array("param.classifier.1.bias"), keyPrefix: "classifier.1")
        }
        XCTAssertEqual(model.trainedBlockNames, ["features.1", "features.2", "features.3"])
        let mode: BatchNormMode = (g.meta["training"] as! Bool) ? .batch(momentum: Float(g.meta["momentum"] as! Double)) : .running
        model.zeroGrad()
        let (logits, saved) = model.forward(g.array("x"), batch: n, height: hw, width: hw, mode: mode)
        assertClose(logits, g.array("logits"), tol: 1e-4, "\(name) logits")
        let (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: g.array("labels").map { Int32($0) }, classes: classes)
        XCTAssertEqual(loss, g.meta["loss"] as! Double, accuracy: 1e-4 * abs(g.meta["loss"] as! Double), "\(name) loss")
        let dx = model.backward(dlogits, saved: saved, inputGradient: true)
        assertClose(dx, g.array("dx"), tol: 1e-3, "\(name) dx")
        var worst = 0.0, zeroGradients = 0
        for t in model.tensors {
            if t.trainable {
                let ref = g.array("grad." + t.key)
                if ref.allSatisfy({ abs($0) < 1e-12 }) {
                    // Exactly zero in exact arithmetic: a BN shift followed by a 1×1 conv and a batch-statistics BN
                    // (the next BN subtracts the per-channel mean it adds). Thaw's float32 leaves round-off only.
                    let got = t.torchGrad.map { abs($0) }.max() ?? 0
                    XCTAssertLessThan(got, 1e-6, "\(name) grad \(t.key): torch's is 0, Thaw's reaches \(got)")
                    zeroGradients += 1
                    continue
                }
                assertClose(t.torchGrad, ref, tol: 1e-3, "\(name) grad \(t.key)")
                let scale = Double(ref.map(abs).max() ?? 0)
                worst = max(worst, zip(t.torchGrad, ref).map { Double(abs($0 - $1)) / max(Double(abs($1)), 0.05 * scale, 1e-12) }.max() ?? 0)
            } else {
                assertClose(t.torchValue, g.array("after." + t.key), tol: 1e-5, "\(name) running \(t.key)")
            }
        }
        print(String(format: "%@: worst gradient error %.2e (relative, floor 5%% of each tensor's largest); %d tensors with an exactly zero gradient",
                     name, worst, zeroGradients))
        XCTAssertEqual(zeroGradients, (g.meta["training"] as! Bool) ? 3 : 0, "\(name): the BN shifts under a conv + batch-statistics BN")
        XCTAssertEqual(model.tensors.count, g.keys.filter { $0.hasPrefix("param.") }.count, "every fixture parameter is a model tensor")
    }

    /// Central differences of the cross-entropy against backward, for d(maps) and a sample of every
    /// trainable tensor, with BN on running statistics (batch statistics are covered by the torch case).
    func testFiniteDifferences() throws {
        let g = try FineTuneGolden("mnv2_top_frozen")
        let classes = g.meta["classes"] as! Int, n = g.meta["batch"] as! Int, hw = g.meta["size"] as! Int
        var rng = SplitMix64(seed: 11)
        let model = try FineTuneModel.mobileNetV2(blocks: Self.specs(g), boundary: 0, headChannels: g.meta["head"] as! Int,
                                                  parameters: g.parameter) { width in
            TrainableClassifier(inFeatures: width, classes: classes, seed: 3, keyPrefix: "classifier.1")
        }
        var x = (0..<(n * hw * hw * 8)).map { _ in rng.nextNormal() }
        let labels: [Int32] = [2, 0, 4, 1]
        func loss() -> Double {
            let logits = model.forward(x, batch: n, height: hw, width: hw, mode: .running).logits
            return FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: classes).loss
        }
        model.zeroGrad()
        let (logits, saved) = model.forward(x, batch: n, height: hw, width: hw, mode: .running)
        let dx = model.backward(FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: classes).dlogits,
                                saved: saved, inputGradient: true)
        let eps: Float = 3e-3   // the loss sums in Double; float logits add ≈2e-5 of noise to each quotient
        let base = loss()
        /// The central difference, or nil when the two one-sided differences disagree: ±eps moved some
        /// activation across a ReLU6 kink (a BN shift moves a whole channel), where no difference is the gradient.
        func numeric(_ get: () -> Float, _ set: (Float) -> Void) -> Double? {
            let v = get()
            set(v + eps); let up = loss()
            set(v - eps); let down = loss()
            set(v)
            let right = (up - base) / Double(eps), left = (base - down) / Double(eps)
            guard abs(right - left) <= 0.05 * abs(right + left) / 2 + 2e-4 else { return nil }
            return (up - down) / Double(2 * eps)
        }
        var compared = 0, kinks = 0
        func compare(_ analytic: Float, _ num: Double?, _ what: String) {
            guard let num else { kinks += 1; return }
            XCTAssertEqual(Double(analytic), num, accuracy: 3e-2 * abs(num) + 2e-4, what)
            compared += 1
        }
        for i in stride(from: 0, to: x.count, by: 37) { compare(dx[i], numeric({ x[i] }, { x[i] = $0 }), "dx[\(i)]") }
        for t in model.tensors where t.trainable {
            for i in stride(from: 0, to: t.count, by: max(1, t.count / 4)) {
                compare(t.grad[i], numeric({ t.value[i] }, { t.value[i] = $0 }), "\(t.key)[\(i)]")
            }
        }
        print("finite differences: \(compared) compared, \(kinks) skipped at a ReLU6 kink")
        XCTAssertGreaterThan(compared, 100)
        XCTAssertLessThan(kinks, compared / 10, "most samples are away from a kink")
    }
}
