import ThawBackbones
import ThawFineTune
import ThawHeads
import ThawTraining
import XCTest

/// Two optimizer steps of blocks + head stage + classifier against torch float64 (same batch
/// twice, so the momentum / Adam state is exercised), with layer-wise LR decay and clipping.
final class TrainingStepTests: XCTestCase {
    func testSGDMomentumTrainingBN() throws { try check("step_sgd", .sgd(momentum: 0.9, nesterov: false)) }
    func testAdamWFrozenBN() throws { try check("step_adamw", .adamwDefault) }

    func check(_ name: String, _ optimizer: Optimizer) throws {
        let g = try FineTuneGolden(name)
        let model = try Self.model(g)
        let n = g.meta["batch"] as! Int, hw = g.meta["size"] as! Int, classes = g.meta["classes"] as! Int
        let mode: BatchNormMode = (g.meta["bn_training"] as! Bool) ? .batch(momentum: 0.01) : .running
        let step = FineTuneStep(optimizer: optimizer, lr: Float(g.meta["lr"] as! Double),
                                layerDecay: Float(g.meta["layer_decay"] as! Double),
                                weightDecay: Float(g.meta["weight_decay"] as! Double),
                                clipNorm: Float(g.meta["clip"] as! Double))
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

    static func model(_ g: FineTuneGolden) throws -> FineTuneModel {
        let specs = (g.meta["specs"] as! [[Int]]).map {
            EfficientNetBlockSpec.custom(kernel: $0[2], stride: $0[3], expandRatio: $0[4], inChannels: $0[0], outChannels: $0[1])
        }
        let blocks = try specs.enumerated().map { i, s in try TrainableMBConv(spec: s, prefix: "_blocks.\(12 + i)", parameters: g.parameter) }
        let head = try TrainableHeadStage(inChannels: specs.last!.outChannels, headChannels: g.meta["head"] as! Int, parameters: g.parameter)
        let classes = g.meta["classes"] as! Int
        let fc = TrainableClassifier(inFeatures: head.headChannels, classes: classes,
                                     weight: g.array("param._fc.weight"), bias: g.array("param._fc.bias"))
        return FineTuneModel(blocks: blocks, head: head, classifier: fc)
    }
}
