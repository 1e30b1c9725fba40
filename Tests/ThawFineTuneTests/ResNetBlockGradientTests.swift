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
        assertTensorsMatchGolden(block.tensors, g, name)
        XCTAssertEqual(block.downsampleWeight != nil, g.keys.contains("param.\(block.prefix).downsample.0.weight"))
    }

    func testSGDMomentumStepTrainingBN() throws { try step("rstep_sgd", .sgd(momentum: 0.9, nesterov: false)) }
    func testAdamWStepFrozenBN() throws { try step("rstep_adamw", .adamwDefault) }

    /// Bottleneck `layer4.0` + global average pool + linear `fc`: two steps with clipping and layer decay.
    func step(_ name: String, _ optimizer: Optimizer) throws {
        let g = try FineTuneGolden(name)
        let classes = g.meta["classes"] as! Int
        let block = try TrainableResNetBlock(prefix: g.meta["prefix"] as! String, bottleneck: true, inChannels: g.meta["in"] as! Int,
                                             width: g.meta["width"] as! Int, stride: g.meta["stride"] as! Int, parameters: g.parameter)
        let fc = TrainableClassifier(inFeatures: block.outChannels, classes: classes, weight: g.array("param.fc.weight"),
                                     bias: g.array("param.fc.bias"), keyPrefix: "fc")
        let model = FineTuneModel(resNetBlocks: [block], classifier: fc)
        XCTAssertEqual(model.inputChannels, g.meta["in"] as! Int)
        let mode: BatchNormMode = (g.meta["bn_training"] as! Bool) ? .batch(momentum: Float(g.meta["momentum"] as! Double)) : .running
        assertStepsMatchGolden(model, g, name, optimizer: optimizer, mode: mode)
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
        let x = (0..<(n * h * w * 3)).map { _ in rng.nextNormal() }
        let (oh, ow) = block.outputSize(height: h, width: w)
        let r = (0..<(n * oh * ow * 4)).map { _ in rng.nextNormal() }
        let ws = Workspace()
        assertFiniteDifferences(input: x, projection: r, tensors: block.tensors, inputStride: 5,
                                forward: { x in defer { ws.reset() }; return block.forward(x, batch: n, height: h, width: w, mode: mode, workspace: ws) },
                                backward: { r, saved in defer { ws.reset() }; return block.backward(r, saved: saved, workspace: ws) })
    }
}
