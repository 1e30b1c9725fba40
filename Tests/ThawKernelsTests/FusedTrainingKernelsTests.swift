import XCTest
import ThawBLAS
@testable import ThawKernels

/// The fused training kernels (`TrainingKernels.fused`: one-pass mask + BN backward, AVX-512 / AVX2 depthwise
/// backward, each build this CPU has: `KernelBuild`) against the plain kernels they replace, and against finite
/// differences. The comparators
/// fail on NaN (`BackwardGolden.mismatch`: the first NaN is the worst error).
final class FusedTrainingKernelsTests: XCTestCase {
    private var savedFused = true, savedAVX512 = false, savedSplit = false

    override func setUp() { savedFused = TrainingKernels.fused; savedAVX512 = VectorISA.avx512; savedSplit = TrainingKernels.splitGEMMs }
    override func tearDown() {
        TrainingKernels.fused = savedFused; VectorISA.avx512 = savedAVX512; TrainingKernels.splitGEMMs = savedSplit
    }

    // MARK: - Depthwise backward

    private func depthwiseBackward(_ conv: DepthwiseConv2D, _ x: [Float], _ xs: [Int], _ dy: [Float], fused: Bool)
        -> (dx: [Float], dw: [Float], db: [Float]) {
        TrainingKernels.fused = fused
        defer { TrainingKernels.fused = savedFused }
        let y = conv.forward(Tensor(shape: xs, data: x)).data
        var dx = [Float](repeating: .nan, count: x.count)
        var dw = [Float](repeating: 0.25, count: conv.weight.count), db = [Float](repeating: 0, count: conv.channels)   // dW accumulates
        conv.backward(x: x, y: y, dy: dy, batch: xs[0], height: xs[1], width: xs[2], dx: &dx, dWeight: &dw, dBias: &db)
        return (dx, dw, db)
    }

    func testDepthwiseBackwardFusedMatchesPlain() {
        for engine in KernelBuild.eachOnThisCPU { engine.run {
            // Lite's 5×5 and 3×3, strides 1 and 2; 40/19 channels exercise the 16-lane and scalar tails;
            // batch 1 with ≥ 32 channels splits channels over the cores, otherwise images.
            for (k, stride, batch, c) in [(5, 1, 3, 40), (5, 2, 2, 72), (3, 1, 1, 48), (3, 2, 2, 19)] {
                let xs = [batch, 7, 7, c]
                let x = FiniteDifference.random(xs.reduce(1, *), seed: 71, scale: 2)
                let conv = DepthwiseConv2D(channels: c, kernel: (k, k), stride: (stride, stride), padding: .same,
                                           weightCHW: FiniteDifference.random(c * k * k, seed: 72, scale: 0.4),
                                           bias: FiniteDifference.random(c, seed: 73), activation: .relu6)
                let dy = FiniteDifference.random(conv.forward(Tensor(shape: xs, data: x)).count, seed: 74)
                let plain = depthwiseBackward(conv, x, xs, dy, fused: false)
                let fused = depthwiseBackward(conv, x, xs, dy, fused: true)
                let label = "depthwise k\(k) s\(stride) n\(batch) c\(c)"
                BackwardGolden.assertClose(fused.dx, plain.dx, rtol: 1e-5, "\(label) dx")
                BackwardGolden.assertClose(fused.dw, plain.dw, rtol: 1e-5, "\(label) dW")
                BackwardGolden.assertClose(fused.db, plain.db, rtol: 1e-5, "\(label) db")
                var poisoned = fused.dx
                poisoned[poisoned.count / 2] = .nan
                XCTAssertNotNil(BackwardGolden.mismatch(poisoned, plain.dx, rtol: 1e-5, label), "\(label): a NaN must fail the comparison")
            }
        } }
    }

    func testDepthwiseBackwardFusedFiniteDifferences() {
        for engine in KernelBuild.eachOnThisCPU { engine.run {
            for (k, stride, batch, c) in [(5, 2, 2, 21), (3, 1, 1, 37)] {
                let xs = [batch, 7, 6, c]
                var x = FiniteDifference.random(xs.reduce(1, *), seed: 81)
                var w = FiniteDifference.random(c * k * k, seed: 82, scale: 0.5)
                func make(_ w: [Float]) -> DepthwiseConv2D {
                    DepthwiseConv2D(channels: c, kernel: (k, k), stride: (stride, stride), padding: .same, weightCHW: w)
                }
                let conv = make(w)
                let r = FiniteDifference.random(conv.forward(Tensor(shape: xs, data: x)).count, seed: 83)
                var g = depthwiseBackward(conv, x, xs, r, fused: true)
                g.dw = g.dw.map { $0 - 0.25 }
                let chw = (0..<(c * k * k)).map { i in g.dw[(i % (k * k)) * c + i / (k * k)] }   // [k·k][C] → [C, k·k]
                let x0 = x
                FiniteDifference.check("fused depthwise k\(k) s\(stride) n\(batch) dx", &x, analytic: g.dx, samples: 96) {
                    FiniteDifference.dot(conv.forward(Tensor(shape: xs, data: $0)).data, r)
                }
                FiniteDifference.check("fused depthwise k\(k) s\(stride) n\(batch) dW", &w, analytic: chw, samples: 96) {
                    FiniteDifference.dot(make($0).forward(Tensor(shape: xs, data: x0)).data, r)
                }
            }
        } }
    }

    // MARK: - Split GEMM with transposes

    func testSplitGEMMPartsMatchesOneCall() {
        // Wide (split by columns) and tall (split by rows), every transpose, accumulating (beta 1).
        for (m, n, k) in [(96, 1152, 70), (1568, 192, 33), (130, 150, 9)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = FiniteDifference.random(m * k, seed: 101), b = FiniteDifference.random(k * n, seed: 102)
                let c0 = FiniteDifference.random(m * n, seed: 103)
                let lda = ta ? m : k, ldb = tb ? k : n
                var one = c0, parts = c0
                BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: &one, ldc: n)
                SplitGEMM.sgemmParts(transA: ta, transB: tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: &parts, ldc: n)
                BackwardGolden.assertClose(parts, one, rtol: 1e-5, "sgemmParts \(m)×\(n)×\(k) transA \(ta) transB \(tb)")
            }
        }
    }

    func testPointwiseConvSplitGEMMsMatchOneCall() {
        // A 1×1 convolution's training forward and backward with the GEMMs split in parts vs one call each.
        let (n, hw, cin, cout) = (5, 7, 48, 136)
        let conv = Conv2D(shape: Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1),
                          oihw: FiniteDifference.random(cout * cin, seed: 111, scale: 0.2))
        let x = FiniteDifference.random(n * hw * hw * cin, seed: 112), dy = FiniteDifference.random(n * hw * hw * cout, seed: 113)
        func run(split: Bool) -> (y: [Float], dx: [Float], dw: [Float]) {
            TrainingKernels.fused = true
            TrainingKernels.splitGEMMs = split
            let ws = Workspace()
            var y = [Float](repeating: .nan, count: dy.count), dx = [Float](repeating: .nan, count: x.count)
            var dw = [Float](repeating: 0.5, count: conv.weight.count)
            conv.trainingForward(x, batch: n, height: hw, width: hw, into: &y, workspace: ws)
            conv.backward(x: x, y: nil, dy: dy, batch: n, height: hw, width: hw, dx: &dx, dWeight: &dw, dBias: nil, workspace: ws)
            return (y, dx, dw)
        }
        let parts = run(split: true), one = run(split: false)
        BackwardGolden.assertClose(parts.y, one.y, rtol: 1e-5, "1×1 training forward, split vs one call")
        // Parts sum K in another blocking than one call: 1.0–1.4e-5 on OpenBLAS's Zen (Haswell) kernel, AVX2 EPYC.
        BackwardGolden.assertClose(parts.dx, one.dx, rtol: 3e-5, "1×1 dx, split vs one call")
        BackwardGolden.assertClose(parts.dw, one.dw, rtol: 3e-5, "1×1 dW, split vs one call")
    }

    // MARK: - BatchNorm + activation backward

    private struct BNCase {
        let rows: Int, c: Int
        let x: [Float], gamma: [Float], beta: [Float], runMean: [Float], runVar: [Float], dy: [Float]
        init(rows: Int, c: Int, seed: UInt64) {
            self.rows = rows; self.c = c
            x = FiniteDifference.random(rows * c, seed: seed, scale: 2)
            gamma = FiniteDifference.random(c, seed: seed + 1, scale: 0.3).map { $0 + 1 }
            beta = FiniteDifference.random(c, seed: seed + 2, scale: 0.5).map { $0 + 1 }
            runMean = FiniteDifference.random(c, seed: seed + 3, scale: 0.2)
            runVar = FiniteDifference.random(c, seed: seed + 4, scale: 0.3).map { abs($0) + 0.5 }
            dy = FiniteDifference.random(rows * c, seed: seed + 5)
        }

        /// y = act(BN(x)) with batch statistics (`batch`) or the running ones; mean and invstd [C].
        func forward(x: [Float], gamma: [Float], beta: [Float], batch: Bool, relu6: Bool) -> (y: [Float], mean: [Float], invstd: [Float]) {
            var y = [Float](repeating: 0, count: rows * c)
            var mean = runMean, invstd = runVar.map { Float(1 / (Double($0) + 1e-3).squareRoot()) }
            if batch {
                var rm = runMean, rv = runVar
                BatchNormTraining.forward(x, rows: rows, channels: c, gamma: gamma, beta: beta, eps: 1e-3, momentum: 0.1,
                                          runningMean: &rm, runningVar: &rv, mean: &mean, invstd: &invstd, into: &y)
            } else {
                BatchNorm(gamma: gamma, beta: beta, runningMean: runMean, runningVar: runVar, eps: 1e-3).forward(x, rows: rows, into: &y)
            }
            if relu6 { Activation.relu6.apply(&y, count: y.count) }
            return (y, mean, invstd)
        }

        /// (dx, dγ, dβ) by the fused kernel (dγ, dβ start at 0.5: they accumulate).
        func fused(batch: Bool, relu6: Bool) -> (dx: [Float], dg: [Float], db: [Float]) {
            let f = forward(x: x, gamma: gamma, beta: beta, batch: batch, relu6: relu6)
            var dx = [Float](repeating: .nan, count: rows * c), dg = [Float](repeating: 0.5, count: c), db = dg
            f.y.withUnsafeBufferPointer { yb in
                BatchNormActivationBackward.run(x: x, y: relu6 ? yb.baseAddress! : nil, high: 6, dy: dy, rows: rows, channels: c,
                                                gamma: gamma, mean: f.mean, invstd: f.invstd, batchStatistics: batch,
                                                dx: &dx, dGamma: &dg, dBeta: &db)
            }
            return (dx, dg, db)
        }

        /// The plain sequence: mask pass, then `BatchNormTraining.backward` or `BatchNorm.backward`.
        func plain(batch: Bool, relu6: Bool) -> (dx: [Float], dg: [Float], db: [Float]) {
            let f = forward(x: x, gamma: gamma, beta: beta, batch: batch, relu6: relu6)
            var g = dy
            if relu6 { Activation.relu6.backward(y: f.y, dy: dy, count: g.count, dx: &g) }
            var dx = [Float](repeating: .nan, count: rows * c), dg = [Float](repeating: 0.5, count: c), db = dg
            if batch {
                BatchNormTraining.backward(x: x, dy: g, rows: rows, channels: c, gamma: gamma, mean: f.mean, invstd: f.invstd,
                                           dx: &dx, dGamma: &dg, dBeta: &db)
            } else {
                BatchNorm(gamma: gamma, beta: beta, runningMean: runMean, runningVar: runVar, eps: 1e-3)
                    .backward(x: x, dy: g, rows: rows, dx: &dx, dGamma: &dg, dBeta: &db)
            }
            return (dx, dg, db)
        }
    }

    func testBatchNormActivationBackwardMatchesPlain() {
        for engine in KernelBuild.eachOnThisCPU { engine.run {
            // 100 rows: blocks of 32 with a tail; 1568 × 192 splits rows over the cores.
            for (rows, c) in [(100, 37), (1568, 192)] {
                let t = BNCase(rows: rows, c: c, seed: 91)
                for batch in [false, true] {
                    for relu6 in [false, true] {
                        let label = "BN rows \(rows) c \(c) \(batch ? "batch" : "frozen")\(relu6 ? " + ReLU6" : "")"
                        let got = t.fused(batch: batch, relu6: relu6), want = t.plain(batch: batch, relu6: relu6)
                        BackwardGolden.assertClose(got.dx, want.dx, rtol: 1e-4, "\(label) dx")
                        BackwardGolden.assertClose(got.dg, want.dg, rtol: 1e-4, "\(label) dγ")
                        BackwardGolden.assertClose(got.db, want.db, rtol: 1e-4, "\(label) dβ")
                    }
                }
            }
        } }
    }

    func testBatchNormActivationBackwardBaselineAndAVX512Agree() {
        guard CPUFeatures.current.hasAVX512 else { return }   // only one build runs on this CPU
        let t = BNCase(rows: 300, c: 53, seed: 95)
        for batch in [false, true] {
            VectorISA.avx512 = true
            let a = t.fused(batch: batch, relu6: true)
            VectorISA.avx512 = false
            let b = t.fused(batch: batch, relu6: true)
            VectorISA.avx512 = savedAVX512
            BackwardGolden.assertClose(a.dx, b.dx, rtol: 1e-6, "AVX-512 vs baseline dx (\(batch ? "batch" : "frozen"))")
            BackwardGolden.assertClose(a.dg, b.dg, rtol: 1e-6, "AVX-512 vs baseline dγ (\(batch ? "batch" : "frozen"))")
        }
    }

    func testBatchNormActivationBackwardBaselineAndAVX2Agree() throws {
        try XCTSkipUnless(CPUFeatures.current.hasAVX2FMA, "only the baseline build runs on this CPU")
        // The AVX2 build is the baseline loop on ymm (no fused multiply-adds, the same row order of the sums):
        // the same floats, ragged channel tails (53 = 6·8 + 5) included.
        let t = BNCase(rows: 300, c: 53, seed: 95)
        for batch in [false, true] {
            for relu6 in [false, true] {
                let a = KernelBuild.avx2.run { t.fused(batch: batch, relu6: relu6) }
                let b = KernelBuild.baseline.run { t.fused(batch: batch, relu6: relu6) }
                let label = "\(batch ? "batch" : "frozen")\(relu6 ? " + ReLU6" : "")"
                XCTAssertEqual(a.dx, b.dx, "AVX2 vs baseline dx (\(label))")
                XCTAssertEqual(a.dg, b.dg, "AVX2 vs baseline dγ (\(label))")
                XCTAssertEqual(a.db, b.db, "AVX2 vs baseline dβ (\(label))")
            }
        }
    }

    func testBatchNormActivationBackwardFiniteDifferences() {
        for engine in KernelBuild.eachOnThisCPU { engine.run {
            // Without the activation (its kinks make central differences unreliable; the mask is checked above).
            let t = BNCase(rows: 50, c: 11, seed: 97)
            for batch in [false, true] {
                let g = t.fused(batch: batch, relu6: false)
                let label = batch ? "batch" : "frozen"
                var x = t.x, gamma = t.gamma, beta = t.beta
                FiniteDifference.check("fused BN \(label) dx", &x, analytic: g.dx, samples: 96) {
                    FiniteDifference.dot(t.forward(x: $0, gamma: t.gamma, beta: t.beta, batch: batch, relu6: false).y, t.dy)
                }
                FiniteDifference.check("fused BN \(label) dγ", &gamma, analytic: g.dg.map { $0 - 0.5 }) {
                    FiniteDifference.dot(t.forward(x: t.x, gamma: $0, beta: t.beta, batch: batch, relu6: false).y, t.dy)
                }
                FiniteDifference.check("fused BN \(label) dβ", &beta, analytic: g.db.map { $0 - 0.5 }) {
                    FiniteDifference.dot(t.forward(x: t.x, gamma: t.gamma, beta: $0, batch: batch, relu6: false).y, t.dy)
                }
            }
        } }
    }
}
