import ThawBackbones
import ThawCore
import ThawFineTune
import ThawHeads
import ThawKernels
import XCTest

/// Evaluation through the inference engine (`FineTuneTrainer.logits` → `inferenceLogits`: BatchNorm folded into the
/// convolutions, `EfficientNetBlock` forward) against the training forward in `.running` mode, on Lite0-like
/// blocks over 7×7 maps (a 5×5 block with a skip, a 3×3 stride-2 block, a block without expansion): the same
/// logits to float rounding, on the AVX-512 kernels, the AVX2 ones and the baseline ones, before and after an optimizer
/// step (the folded top is rebuilt when a weight changes). `assertClose` fails on NaN.
final class InferenceTopParityTests: XCTestCase {
    private let hasAVX512 = VectorISA.avx512, hasAVX2 = VectorISA.avx2Kernels
    override func tearDown() { VectorISA.avx512 = hasAVX512; VectorISA.avx2Kernels = hasAVX2 }

    private let classes = 5
    private func model() throws -> FineTuneModel {
        let specs = [EfficientNetBlockSpec.custom(kernel: 5, stride: 1, expandRatio: 3, inChannels: 64, outChannels: 64),
                     EfficientNetBlockSpec.custom(kernel: 3, stride: 2, expandRatio: 2, inChannels: 64, outChannels: 96),
                     EfficientNetBlockSpec.custom(kernel: 3, stride: 1, expandRatio: 1, inChannels: 96, outChannels: 96)]
        return try TinyModel.make(seed: 61, specs: specs, headChannels: 160, classes: classes, classifierSeed: 62)
    }

    private func maps(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<(n * 7 * 7 * 64)).map { _ in rng.nextNormal() }
    }

    private func set(_ x: [Float]) throws -> FeatureSet {
        let n = x.count / (7 * 7 * 64)
        return try FeatureSet(name: "maps", features: x, labels: (0..<n).map { Int32($0 % classes) }, rowShape: [7, 7, 64])
    }

    /// Evaluates `rows` maps per chunk (`FineTuneTrainer.logits`: `inferenceLogits` chunk by chunk).
    private func trainer(_ m: FineTuneModel, rows n: Int) throws -> FineTuneTrainer {
        let s = try set(maps(n, seed: 63))
        return FineTuneTrainer(model: m, train: s, validation: s,
                               settings: FineTuneSettings(epochs: 1, step: FineTuneStep(optimizer: .adamwDefault, lr: 1e-2, weightDecay: 0.01,
                                                                                       clipNorm: 1), chunk: n))
    }

    private func check(rows n: Int) throws {
        let m = try model(), t = try trainer(m, rows: n)
        let x = maps(n, seed: 64), labels = (0..<n).map { Int32($0 % classes) }
        let reference = m.forward(x, batch: n, height: 7, width: 7, mode: .running).logits
        assertClose(t.logits(try set(x)), reference, tol: 1e-4, "logits of \(n) maps (avx512 \(VectorISA.avx512), avx2 \(VectorISA.avx2Kernels))")
        // One optimizer step changes every weight: the folded top must follow.
        let (logits, saved) = m.forward(x, batch: n, height: 7, width: 7, mode: .running)
        let (_, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: classes)
        m.zeroGrad()
        m.backward(dlogits, saved: saved)
        t.settings.step.apply(to: m, step: 1)
        let after = m.forward(x, batch: n, height: 7, width: 7, mode: .running).logits
        XCTAssertNotNil(closeness(after, reference, tol: 1e-4, "step"), "the step should move the logits")
        assertClose(t.logits(try set(x)), after, tol: 1e-4, "logits of \(n) maps after a step (avx512 \(VectorISA.avx512), avx2 \(VectorISA.avx2Kernels))")
    }

    func testInferenceLogitsMatchTrainingForwardOnAVX512() throws {
        guard hasAVX512 else { return }
        for n in [1, 5, 32] { try check(rows: n) }
    }

    func testInferenceLogitsMatchTrainingForwardOnAVX2Kernels() throws {
        guard hasAVX2 else { return }   // the CPU has AVX2+FMA (VectorISA.avx2Kernels by default)
        VectorISA.avx512 = false
        VectorISA.avx2Kernels = true
        for n in [1, 5, 32] { try check(rows: n) }
    }

    func testInferenceLogitsMatchTrainingForwardOnBaselineKernels() throws {
        VectorISA.avx512 = false
        VectorISA.avx2Kernels = false
        for n in [1, 5, 32] { try check(rows: n) }
    }

    /// A NaN in one map makes that map's logits NaN on both paths and leaves the others finite and equal.
    func testNaNMapStaysInItsRow() throws {
        let n = 4, m = try model(), t = try trainer(m, rows: n)
        var x = maps(n, seed: 65)
        x[2 * 7 * 7 * 64 + 100] = .nan
        let got = t.logits(try set(x))
        let want = m.forward(x, batch: n, height: 7, width: 7, mode: .running).logits
        for r in 0..<n {
            let g = Array(got[(r * classes)..<((r + 1) * classes)]), w = Array(want[(r * classes)..<((r + 1) * classes)])
            if r == 2 {
                XCTAssertTrue(w.contains { $0.isNaN }, "training forward: the NaN map gives NaN logits")
                XCTAssertTrue(g.contains { $0.isNaN }, "inference top: the NaN map gives NaN logits, as the training forward does")
            } else {
                assertClose(g, w, tol: 1e-4, "row \(r) beside a NaN map")
            }
        }
    }
}
