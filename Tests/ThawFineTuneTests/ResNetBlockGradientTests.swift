import ThawCore
import ThawFineTune
import ThawHeads
import ThawTraining
import ThawKernels
import XCTest

/// torchvision ResNet blocks with unfolded BN against torch float64 autograd
/// (`scripts/golden/resnet_finetune.py`): output, dx, every parameter gradient and the running
/// statistics; two optimizer steps of block + pool + linear; central differences on a tiny block.
final class ResNetBlockGradientTests: XCTestCase {
    func testBasicBlockFrozenBatchNorm() throws { try check("rblock_basic_frozen") }
    func testBasicBlockTrainingBatchNorm() throws { try check("rblock_basic_train") }
    func testBottleneckDownsampleFrozenBatchNorm() throws { try check("rblock_bottle_frozen") }
    func testBottleneckDownsampleTrainingBatchNorm() throws { try check("rblock_bottle_train") }

    func check(_ name: String) throws {
        let g = try FineTuneGolden(name)
        let training = g.meta["training"] as! Bool
        let n = g.meta["batch"] as! Int, hw = g.meta["size"] as! Int
        let block = try TrainableResNetBlock(prefix: g.meta["prefix"] as! String, bottleneck: g.meta["bottleneck"] as! Bool,
                                             inChannels: g.meta["in"] as! Int, width: g.meta["width"] as! Int,
                                             stride: g.meta["stride"] as! Int, parameters: g.parameter)
        let ws = Workspace()
        let mode: BatchNormMode = training ? .batch(momentum: Float(g.meta["momentum"] as! Double)) : .running
        let (y, saved) = block.forward(g.array("x"), batch: n, height: hw, width: hw, mode: mode, workspace: ws)
        assertClose(y, g.array("y"), tol: 1e-4, "\(name) y")
        ws.reset()
        let dx = block.backward(g.array("dy"), saved: saved, workspace: ws)
        assertClose(dx, g.array("dx"), tol: 1e-3, "\(name) dx")
        var checked = 0
        for t in block.tensors {
            if t.trainable {
                assertClose(t.torchGrad, g.array("grad." + t.key), tol: 1e-3, "\(name) grad \(t.key)")
            } else {
                assertClose(t.torchValue, g.array("after." + t.key), tol: 1e-5, "\(name) running \(t.key)")
            }
            checked += 1
        }
        XCTAssertEqual(checked, g.keys.filter { $0.hasPrefix("param.") }.count, "every fixture parameter is a block tensor")
        XCTAssertEqual(block.downsampleWeight != nil, g.keys.contains("param.\(block.prefix).downsample.0.weight"))
    }

    func testSGDMomentumStepTrainingBN() throws { try step("rstep_sgd", .sgd(momentum: 0.9, nesterov: false)) }
    func testAdamWStepFrozenBN() throws { try step("rstep_adamw", .adamwDefault) }

    /// Bottleneck `layer4.0` + global average pool + linear `fc`: two steps with clipping and layer decay.
    func step(_ name: String, _ optimizer: Optimizer) throws {
        let g = try FineTuneGolden(name)
        let n = g.meta["batch"] as! Int, hw = g.meta["size"] as! Int, classes = g.meta["classes"] as! Int
        let block = try TrainableResNetBlock(prefix: g.meta["prefix"] as! String, bottleneck: true, inChannels: g.meta["in"] as! Int,
                                             width: g.meta["width"] as! Int, stride: g.meta["stride"] as! Int, parameters: g.parameter)
        let fc = TrainableClassifier(inFeatures: block.outChannels, classes: classes, weight: g.array("param.fc.weight"),
                                     bias: g.array("param.fc.bias"), keyPrefix: "fc")
        let model = FineTuneModel(resNetBlocks: [block], classifier: fc)
        XCTAssertEqual(model.inputChannels, g.meta["in"] as! Int)
        let mode: BatchNormMode = (g.meta["bn_training"] as! Bool) ? .batch(momentum: Float(g.meta["momentum"] as! Double)) : .running
        let step = FineTuneStep(optimizer: optimizer, lr: Float(g.meta["lr"] as! Double),
                                layerDecay: Float(g.meta["layer_decay"] as! Double),
                                weightDecay: Float(g.meta["weight_decay"] as! Double), clipNorm: Float(g.meta["clip"] as! Double))
        let x = g.array("x"), labels = g.array("labels").map { Int32($0) }
        let losses = g.meta["losses"] as! [Double], norms = g.meta["norms"] as! [Double]
        for s in 1...(g.meta["steps"] as! Int) {
            model.zeroGrad()
            let (logits, saved) = model.forward(x, batch: n, height: hw, width: hw, mode: mode)
            let (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: classes)
            XCTAssertEqual(loss, losses[s - 1], accuracy: 1e-4 * abs(losses[s - 1]), "\(name) loss at step \(s)")
            model.backward(dlogits, saved: saved)
            let norm = step.apply(to: model, step: s)
            XCTAssertEqual(norm, norms[s - 1], accuracy: 1e-3 * norms[s - 1], "\(name) gradient norm at step \(s)")
        }
        for t in model.tensors {
            assertClose(t.torchValue, g.array("after." + t.key), tol: 1e-4, "\(name) \(t.key) after the steps")
        }
        XCTAssertEqual(model.tensors.count, g.keys.filter { $0.hasPrefix("param.") }.count)
    }

    func testFiniteDifferencesFrozenBN() throws { try finiteDifferences(.running) }
    func testFiniteDifferencesTrainingBN() throws { try finiteDifferences(.batch(momentum: 0.1)) }

    /// Central differences of loss = Σ y·r on a tiny basic block 3→4 stride 2 (downsample) against backward.
    func finiteDifferences(_ mode: BatchNormMode) throws {
        var rng = SplitMix64(seed: 11)
        let block = try TrainableResNetBlock(prefix: "b", bottleneck: false, inChannels: 3, width: 4, stride: 2) { key, shape in
            let n = shape.reduce(1, *)
            if key.hasSuffix("running_var") { return (0..<n).map { _ in 0.5 + rng.nextUnitFloat() } }
            if key.hasSuffix("bn1.weight") || key.hasSuffix("bn2.weight") || key.hasSuffix("downsample.1.weight") {
                return (0..<n).map { _ in 1 + 0.2 * rng.nextNormal() }
            }
            // Convolutions at He scale keep the pre-activations O(1), so ±eps rarely crosses a ReLU kink.
            let scale = shape.count == 4 ? 1 / Float(shape[1] * shape[2] * shape[3]).squareRoot() : 0.5
            return (0..<n).map { _ in scale * rng.nextNormal() }
        }
        let n = 2, h = 5, w = 5
        var x = (0..<(n * h * w * 3)).map { _ in rng.nextNormal() }
        let (oh, ow) = block.outputSize(height: h, width: w)
        let r = (0..<(n * oh * ow * 4)).map { _ in rng.nextNormal() }
        let ws = Workspace()
        func loss() -> Double {
            let y = block.forward(x, batch: n, height: h, width: w, mode: mode, workspace: ws).y
            ws.reset()
            return zip(y, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        for t in block.tensors { t.zeroGrad() }
        let (_, saved) = block.forward(x, batch: n, height: h, width: w, mode: mode, workspace: ws)
        ws.reset()
        let dx = block.backward(r, saved: saved, workspace: ws)
        let eps: Float = 1e-3   // small enough to rarely cross a ReLU kink; the loss sums in Double
        func numeric(_ get: () -> Float, _ set: (Float) -> Void) -> Double {
            let v = get()
            set(v + eps); let up = loss()
            set(v - eps); let down = loss()
            set(v)
            return (up - down) / Double(2 * eps)
        }
        func compare(_ analytic: Float, _ num: Double, _ what: String) {
            XCTAssertEqual(Double(analytic), num, accuracy: 2e-2 * max(abs(num), 1), what)
        }
        for i in stride(from: 0, to: x.count, by: 5) {
            compare(dx[i], numeric({ x[i] }, { x[i] = $0 }), "dx[\(i)]")
        }
        for t in block.tensors where t.trainable {
            for i in stride(from: 0, to: t.count, by: max(1, t.count / 5)) {
                compare(t.grad[i], numeric({ t.value[i] }, { t.value[i] = $0 }), "\(t.key)[\(i)]")
            }
        }
    }
}
