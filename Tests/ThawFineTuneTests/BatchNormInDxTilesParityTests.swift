import ThawBackbones
import ThawCore
import ThawFineTune
import ThawKernels
import ThawTraining
import XCTest

/// `TrainingKernels.batchNormInDxTiles` (each block's frozen BN1 backward inside the project convolution's input-gradient
/// GEMM tiles) gives the separate pass's floats bit for bit: every gradient of a Lite-like top whose 1×1 convolutions run
/// on the packed GEMMs, at a batch large enough for two tasks of the BN sums (M = 2,304 rows at 6×6), and the loss and
/// values after two AdamW steps.
final class BatchNormInDxTilesParityTests: XCTestCase {
    private let saved = TrainingKernels.batchNormInDxTiles
    override func tearDown() { TrainingKernels.batchNormInDxTiles = saved }

    private func run(inTiles: Bool, batch n: Int) throws -> (losses: [Double], grads: [[Float]], values: [[Float]]) {
        TrainingKernels.batchNormInDxTiles = inTiles
        let specs = [EfficientNetBlockSpec.custom(kernel: 3, stride: 1, expandRatio: 3, inChannels: 64, outChannels: 64),
                     EfficientNetBlockSpec.custom(kernel: 5, stride: 2, expandRatio: 2, inChannels: 64, outChannels: 128)]
        let m = try TinyModel.make(seed: 51, specs: specs, headChannels: 192, classes: 4, classifierSeed: 52)
        var rng = SplitMix64(seed: 53)
        let x = (0..<(n * 6 * 6 * 64)).map { _ in abs(rng.nextNormal()) }
        let labels = (0..<n).map { Int32($0 % 4) }
        var losses: [Double] = [], grads: [[Float]] = []
        for step in 1...2 {
            m.zeroGrad()
            let (logits, saved) = m.forward(x, batch: n, height: 6, width: 6, mode: .running)
            let (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: 4)
            m.backward(dlogits, saved: saved, inputGradient: true)
            losses.append(loss)
            if step == 1 { grads = m.tensors.map(\.torchGrad) }
            FineTuneStep(optimizer: .adamwDefault, lr: 1e-2, weightDecay: 0.01, clipNorm: 1).apply(to: m, step: step)
        }
        return (losses, grads, m.tensors.map(\.torchValue))
    }

    func testInTilesGivesTheSeparatePassFloats() throws {
        try XCTSkipUnless(VectorISA.packedKernels && FrozenBatchNormTiles.supported, "the packed GEMMs and the AVX2 pass")
        for n in [64, 3] {
            let a = try run(inTiles: true, batch: n), b = try run(inTiles: false, batch: n)
            XCTAssertEqual(a.losses, b.losses, "batch \(n): losses")
            XCTAssertTrue(a.grads.allSatisfy { $0.allSatisfy(\.isFinite) }, "batch \(n): every gradient finite")
            for (i, (ga, gb)) in zip(a.grads, b.grads).enumerated() {
                XCTAssertEqual(ga.map(\.bitPattern), gb.map(\.bitPattern), "batch \(n): gradient \(i)")
            }
            for (i, (va, vb)) in zip(a.values, b.values).enumerated() {
                XCTAssertEqual(va.map(\.bitPattern), vb.map(\.bitPattern), "batch \(n): value \(i) after two steps")
            }
        }
    }
}
