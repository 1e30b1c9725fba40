import ThawBackbones
import ThawCore
import ThawFineTune
import ThawHeads
import ThawKernels
import ThawTraining
import XCTest

/// Two fine-tuning steps of a Lite-like top whose 1×1 convolutions all have channels in multiples of 64
/// (so every one runs on the AVX-512 training GEMMs or their AVX2 builds, `TrainingKernels.panelGEMMs`) against the same
/// steps on OpenBLAS: loss, every gradient and every updated tensor agree to float rounding. The second
/// step checks that the packed weights follow the optimizer's update. `assertClose` fails on NaN.
final class PanelGEMMParityTests: XCTestCase {
    private let hasAVX512 = VectorISA.avx512, hasAVX2 = VectorISA.avx2Kernels
    override func tearDown() { TrainingKernels.panelGEMMs = true; VectorISA.avx512 = hasAVX512; VectorISA.avx2Kernels = hasAVX2 }

    private struct StepResult { var losses: [Double]; var grads: [[Float]]; var values: [[Float]] }

    /// Blocks 64→(×3)→64 with a skip, 64→(×2)→128 stride 2, head 128→192, 4 classes; maps [N, 6, 6, 64].
    private func model() throws -> FineTuneModel {
        let specs = [EfficientNetBlockSpec.custom(kernel: 3, stride: 1, expandRatio: 3, inChannels: 64, outChannels: 64),
                     EfficientNetBlockSpec.custom(kernel: 5, stride: 2, expandRatio: 2, inChannels: 64, outChannels: 128)]
        return try TinyModel.make(seed: 41, specs: specs, headChannels: 192, classes: 4, classifierSeed: 42)
    }

    private func steps(panels: Bool, mode: BatchNormMode, optimizer: Optimizer) throws -> StepResult {
        TrainingKernels.panelGEMMs = panels
        let m = try model()
        var rng = SplitMix64(seed: 43)
        let n = 5
        let x = (0..<(n * 6 * 6 * 64)).map { _ in abs(rng.nextNormal()) }
        let labels = (0..<n).map { Int32($0 % 4) }
        var losses: [Double] = [], grads: [[Float]] = []
        for step in 1...2 {
            m.zeroGrad()
            let (logits, saved) = m.forward(x, batch: n, height: 6, width: 6, mode: mode)
            let (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: 4)
            m.backward(dlogits, saved: saved, inputGradient: true)
            losses.append(loss)
            if step == 1 { grads = m.tensors.map(\.torchGrad) }
            FineTuneStep(optimizer: optimizer, lr: 1e-2, weightDecay: 0.01, clipNorm: 1).apply(to: m, step: step)
        }
        return StepResult(losses: losses, grads: grads, values: m.tensors.map(\.torchValue))
    }

    func testPanelStepsMatchOpenBLAS() throws {
        // The panel kernels run on AVX-512 CPUs and (their AVX2 builds) on AVX2+FMA ones: check each this CPU has
        // (the switches default to what the CPU has).
        if hasAVX512 { VectorISA.avx512 = true; try checkPanelSteps("AVX-512") }
        if hasAVX2 { VectorISA.avx512 = false; VectorISA.avx2Kernels = true; try checkPanelSteps("AVX2") }
    }

    private func checkPanelSteps(_ engine: String) throws {
        // AdamW would turn the rounding noise of gradients that vanish in exact arithmetic (BN shifts under
        // batch statistics) into ±lr steps: batch BN uses SGD, as FusedKernelsParityTests does; frozen BN takes both.
        let cases: [(String, BatchNormMode, Optimizer)] = [("frozen BN, AdamW", .running, .adamwDefault),
                                                           ("batch BN, SGD", .batch(momentum: 0.1), .sgd(momentum: 0.9, nesterov: false)), ("frozen BN, SGD", .running, .sgd(momentum: 0.9, nesterov: false))]
        for (name, mode, optimizer) in cases {
            let label = "\(engine) \(name)"
            let blas = try steps(panels: false, mode: mode, optimizer: optimizer)
            let panels = try steps(panels: true, mode: mode, optimizer: optimizer)
            for (i, (a, b)) in zip(panels.losses, blas.losses).enumerated() {
                XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b), "\(label): loss of step \(i + 1)")
            }
            let keys = try model().tensors.map(\.key)
            let largest = blas.grads.joined().reduce(Float(0)) { max($0, abs($1)) }
            for (i, key) in keys.enumerated() {
                let scale = blas.grads[i].reduce(Float(0)) { max($0, abs($1)) }
                if scale < 1e-6 * largest { continue }    // BN shifts under batch BN: rounding noise on both paths
                assertClose(panels.grads[i], blas.grads[i], tol: 1e-4, "\(label): gradient of \(key)")
                // AdamW steps ±lr wherever a gradient is rounding noise: the AVX2 run's OpenBLAS reference (Zen kernel
                // here) rounds differently from the AVX-512 CPUs' one, and its AdamW values differ by up to 5e-3 of
                // the largest while its gradients and the SGD steps (frozen BN too) agree to 1e-4.
                if engine == "AVX2" && name.contains("AdamW") { continue }
                assertClose(panels.values[i], blas.values[i], tol: 1e-4, "\(label): \(key) after two steps")
            }
        }
    }
}
