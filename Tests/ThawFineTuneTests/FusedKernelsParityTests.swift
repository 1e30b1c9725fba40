import ThawFineTune
import ThawHeads
import ThawKernels
import ThawTraining
import XCTest

/// A whole fine-tuning step (forward, backward, clipped AdamW update) with the fused training kernels
/// against the plain ones (`TrainingKernels.fused`), for both BatchNorm modes: every gradient, the
/// gradient norm and every updated tensor agree to float rounding. `assertClose` fails on NaN.
final class FusedKernelsParityTests: XCTestCase {
    override func tearDown() { TrainingKernels.fused = true }

    private struct StepResult { var loss: Double; var norm: Double; var grads: [[Float]]; var values: [[Float]] }

    private func step(fused: Bool, mode: BatchNormMode, optimizer: Optimizer) throws -> StepResult {
        TrainingKernels.fused = fused
        let model = try TinyModel.make()
        let data = try TinyModel.data(count: 12, seed: 5)
        model.zeroGrad()
        let (logits, saved) = model.forward(data.features, batch: data.count, height: 4, width: 4, mode: mode)
        let (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: data.labels, classes: 3)
        model.backward(dlogits, saved: saved)
        let grads = model.tensors.map(\.torchGrad)
        let norm = FineTuneStep(optimizer: optimizer, lr: 1e-2, weightDecay: 0.01, clipNorm: 0.5).apply(to: model, step: 1)
        return StepResult(loss: loss, norm: norm, grads: grads, values: model.tensors.map(\.torchValue))
    }

    /// With batch statistics the gradient of a BN shift that feeds another batch-statistics BN is zero in
    /// exact arithmetic (rounding noise ~1e-9 here): such tensors must stay noise on both paths, and the
    /// step uses SGD (AdamW would scale noise up to ±lr). Frozen BN checks AdamW.
    func testFusedStepMatchesPlain() throws {
        let cases: [(String, BatchNormMode, Optimizer)] = [("frozen BN, AdamW", .running, .adamwDefault),
                                                           ("batch BN, SGD", .batch(momentum: 0.1), .sgd(momentum: 0.9, nesterov: false))]
        for (label, mode, optimizer) in cases {
            let plain = try step(fused: false, mode: mode, optimizer: optimizer)
            let fused = try step(fused: true, mode: mode, optimizer: optimizer)
            XCTAssertEqual(fused.loss, plain.loss, accuracy: 1e-6 * abs(plain.loss), "\(label): loss")
            XCTAssertEqual(fused.norm, plain.norm, accuracy: 1e-5 * plain.norm, "\(label): gradient norm")
            let keys = try TinyModel.make().tensors.map(\.key)
            let largest = plain.grads.joined().reduce(Float(0)) { max($0, abs($1)) }
            XCTAssertGreaterThan(largest, 0, "\(label): gradients must not all vanish")
            for (i, key) in keys.enumerated() {
                let scale = plain.grads[i].reduce(Float(0)) { max($0, abs($1)) }
                if scale < 1e-6 * largest {
                    let other = fused.grads[i].reduce(Float(0)) { !$1.isFinite ? .nan : max($0, abs($1)) }
                    XCTAssert(other < 1e-6 * largest, "\(label): gradient of \(key) must stay rounding noise, got \(other)")
                } else {
                    assertClose(fused.grads[i], plain.grads[i], tol: 1e-4, "\(label): gradient of \(key)")
                }
                assertClose(fused.values[i], plain.values[i], tol: 1e-5, "\(label): \(key) after the step")
            }
        }
    }
}
