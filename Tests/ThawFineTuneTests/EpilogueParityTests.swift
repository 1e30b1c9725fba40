import ThawBackbones
import ThawCore
import ThawFineTune
import ThawHeads
import ThawKernels
import ThawTraining
import XCTest

/// Two fine-tuning steps of a Lite-like top with frozen BN whose 1×1 convolutions all run on the AVX-512
/// training GEMMs, with BN (+ ReLU6, + skip) as their epilogues (`TrainingKernels.fusedEpilogues`) against the
/// same steps with BN as separate passes: loss, every gradient and every updated tensor agree to float
/// rounding (only the order of the dγ/dβ sums differs). `assertClose` fails on NaN.
final class EpilogueParityTests: XCTestCase {
    override func tearDown() { TrainingKernels.fusedEpilogues = false }

    private struct StepResult { var losses: [Double]; var grads: [[Float]]; var values: [[Float]] }

    /// Blocks 64→(×3)→64 with a skip, 64→(×2)→128 stride 2, head 128→192, 4 classes; maps [N, 6, 6, 64].
    private func model() throws -> FineTuneModel {
        let specs = [EfficientNetBlockSpec.custom(kernel: 3, stride: 1, expandRatio: 3, inChannels: 64, outChannels: 64),
                     EfficientNetBlockSpec.custom(kernel: 5, stride: 2, expandRatio: 2, inChannels: 64, outChannels: 128)]
        return try TinyModel.make(seed: 51, specs: specs, headChannels: 192, classes: 4, classifierSeed: 52)
    }

    private func steps(epilogues: Bool, nanAt: Int? = nil) throws -> StepResult {
        TrainingKernels.fusedEpilogues = epilogues
        let m = try model()
        var rng = SplitMix64(seed: 53)
        let n = 5
        var x = (0..<(n * 6 * 6 * 64)).map { _ in abs(rng.nextNormal()) }
        if let nanAt { x[nanAt] = .nan }
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
        return StepResult(losses: losses, grads: grads, values: m.tensors.map(\.torchValue))
    }

    func testEpilogueStepsMatchSeparatePasses() throws {
        guard VectorISA.avx512 else { return }   // the epilogues run only on the AVX-512 training GEMMs
        let passes = try steps(epilogues: false)
        let fused = try steps(epilogues: true)
        for (i, (a, b)) in zip(fused.losses, passes.losses).enumerated() {
            XCTAssertEqual(a, b, accuracy: 1e-6 * abs(b), "loss of step \(i + 1)")
        }
        let keys = try model().tensors.map(\.key)
        for (i, key) in keys.enumerated() {
            assertClose(fused.grads[i], passes.grads[i], tol: 1e-4, "gradient of \(key)")
            assertClose(fused.values[i], passes.values[i], tol: 1e-4, "\(key) after two steps")
        }
    }

    func testNaNInputGivesNaNLossOnBothPaths() throws {
        guard VectorISA.avx512 else { return }
        let passes = try steps(epilogues: false, nanAt: 100)
        let fused = try steps(epilogues: true, nanAt: 100)
        XCTAssertTrue(passes.losses[0].isNaN, "separate passes: a NaN map gives a NaN loss")
        XCTAssertTrue(fused.losses[0].isNaN, "epilogues: a NaN map gives a NaN loss, as the separate passes do")
    }
}
