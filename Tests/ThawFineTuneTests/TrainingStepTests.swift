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
        let mode: BatchNormMode = (g.meta["bn_training"] as! Bool) ? .batch(momentum: 0.01) : .running
        assertStepsMatchGolden(model, g, name, optimizer: optimizer, mode: mode)
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
