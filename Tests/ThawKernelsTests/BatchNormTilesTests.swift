import XCTest
import ThawBLAS
@testable import ThawKernels

/// Frozen BatchNorm (+ ReLU6, + residual) as epilogues of the AVX-512 training GEMMs (`BatchNormTiles`,
/// `TrainingPointwise.Epilogue`) against the separate passes they replace (`BatchNorm.forward` + residual add,
/// `BatchNormActivationBackward.run`), the baseline and AVX-512 builds of the tile kernels against each other,
/// NaN propagation, and central differences of the tiled backward. `BackwardGolden.assertClose` fails on NaN.
final class BatchNormTilesTests: XCTestCase {
    private var savedAVX512 = false
    override func setUp() { savedAVX512 = VectorISA.avx512 }
    override func tearDown() { VectorISA.avx512 = savedAVX512 }

    /// A frozen BN over C channels with the random statistics of `FusedTrainingKernelsTests`' cases.
    private struct Frozen {
        let c: Int
        let gamma, beta, mean, variance: [Float]
        init(c: Int, seed: UInt64) {
            self.c = c
            gamma = FiniteDifference.random(c, seed: seed, scale: 0.3).map { $0 + 1 }
            beta = FiniteDifference.random(c, seed: seed + 1, scale: 0.5)
            mean = FiniteDifference.random(c, seed: seed + 2, scale: 0.2)
            variance = FiniteDifference.random(c, seed: seed + 3, scale: 0.3).map { abs($0) + 0.5 }
        }
        var bn: BatchNorm { BatchNorm(gamma: gamma, beta: beta, runningMean: mean, runningVar: variance, eps: 1e-3) }
        var invstd: [Float] { variance.map { Float(1 / (Double($0) + 1e-3).squareRoot()) } }
    }

    /// e = x·W and y = act(BN(e)) (+ residual) through the epilogue, or by the separate passes.
    private func forward(rows: Int, cin: Int, cout: Int, relu6: Bool, residual: [Float]?, x: [Float], epilogue: Bool,
                         seed: UInt64) -> (e: [Float], y: [Float]) {
        let k = TrainingPointwise(Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1))
        k.prepare(weight: FiniteDifference.random(cin * cout, seed: seed, scale: 0.2), version: 1)
        let f = Frozen(c: cout, seed: seed + 10)
        var e = [Float](repeating: .nan, count: rows * cout), y = e
        let (scale, shift) = f.bn.scaleShift()
        if epilogue {
            let skip = residual ?? []
            e.withUnsafeMutableBufferPointer { eb in y.withUnsafeMutableBufferPointer { yb in
                skip.withUnsafeBufferPointer { rb in scale.withUnsafeBufferPointer { sb in shift.withUnsafeBufferPointer { hb in
                    let ep = eb.baseAddress!, yp = yb.baseAddress!, rp = residual == nil ? nil : rb.baseAddress
                    k.forward(x, rows: rows, into: ep) { _, r, cols in
                        let o = r.lowerBound * cout + cols.lowerBound
                        BatchNormTiles.frozenForward(x: ep + o, y: yp + o, residual: rp.map { $0 + o }, ld: cout, rows: r.count,
                                                     cols: cols.count, scale: sb.baseAddress! + cols.lowerBound,
                                                     shift: hb.baseAddress! + cols.lowerBound,
                                                     low: relu6 ? 0 : -.infinity, high: relu6 ? 6 : .infinity)
                    }
                }}}
            }}
        } else {
            k.forward(x, rows: rows, into: &e)
            f.bn.forward(e, rows: rows, into: &y, activation: relu6 ? .relu6 : .identity)
            if let residual { for i in 0..<y.count { y[i] += residual[i] } }
        }
        return (e, y)
    }

    /// dx = the gradient of BN's input x [rows, C = Cin] from dy [rows, Cout] through Wᵀ and the mask of y;
    /// dγ, dβ accumulated onto 0.5.
    private func backward(rows: Int, cin: Int, cout: Int, x: [Float], y: [Float]?, dy: [Float], epilogue: Bool,
                          seed: UInt64) -> (dx: [Float], dg: [Float], db: [Float]) {
        let k = TrainingPointwise(Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1))
        k.prepare(weight: FiniteDifference.random(cin * cout, seed: seed, scale: 0.2), version: 1)
        let f = Frozen(c: cin, seed: seed + 20)
        var dx = [Float](repeating: .nan, count: rows * cin), dg = [Float](repeating: 0.5, count: cin), db = dg
        if epilogue {
            let tiles = BatchNormTiles.FrozenBackward(channels: cin, tiles: TrainingPointwise.tileCount(rows: rows, columns: cin),
                                                      gamma: f.gamma, mean: f.mean, invstd: f.invstd, high: 6)
            dx.withUnsafeMutableBufferPointer { ob in
                let o = ob.baseAddress!
                k.inputGradient(dy, rows: rows, into: o) { t, r, cols in
                    tiles.piece(tile: t, rows: r, columns: cols, x: x, y: y, dy: o, dx: o)
                }
            }
            tiles.finish(dGamma: &dg, dBeta: &db)
        } else {
            var g = [Float](repeating: .nan, count: rows * cin)
            k.inputGradient(dy, rows: rows, into: &g)
            if let y {
                y.withUnsafeBufferPointer { yb in
                    BatchNormActivationBackward.run(x: x, y: yb.baseAddress!, high: 6, dy: g, rows: rows, channels: cin, gamma: f.gamma,
                                                    mean: f.mean, invstd: f.invstd, batchStatistics: false, dx: &dx,
                                                    dGamma: &dg, dBeta: &db)
                }
            } else {
                BatchNormActivationBackward.run(x: x, y: nil, high: 6, dy: g, rows: rows, channels: cin, gamma: f.gamma, mean: f.mean,
                                                invstd: f.invstd, batchStatistics: false, dx: &dx, dGamma: &dg, dBeta: &db)
            }
        }
        return (dx, dg, db)
    }

    /// (rows, Cin, Cout): Lite0's expand/project/head shapes at chunk 32 and 2, and odd row counts.
    private let shapes = [(1568, 192, 1152), (1568, 1152, 192), (98, 320, 1280), (37, 64, 128), (1, 128, 64)]

    func testForwardEpilogueMatchesSeparatePasses() {
        guard CPUFeatures.current.hasAVX512 else { return }   // the training GEMMs exist only on AVX-512 CPUs
        for (i, (rows, cin, cout)) in shapes.enumerated() {
            let seed = UInt64(300 + 10 * i)
            let x = FiniteDifference.random(rows * cin, seed: seed + 1, scale: 2)
            let res = FiniteDifference.random(rows * cout, seed: seed + 2)
            for (relu6, residual) in [(true, nil), (false, res)] as [(Bool, [Float]?)] {
                let label = "BN forward epilogue \(rows)×\(cin)→\(cout)\(relu6 ? " + ReLU6" : " + residual")"
                let got = forward(rows: rows, cin: cin, cout: cout, relu6: relu6, residual: residual, x: x, epilogue: true, seed: seed)
                let want = forward(rows: rows, cin: cin, cout: cout, relu6: relu6, residual: residual, x: x, epilogue: false, seed: seed)
                XCTAssertEqual(got.e, want.e, "\(label): conv output")        // the same GEMM, bit for bit
                BackwardGolden.assertClose(got.y, want.y, rtol: 1e-6, label)
            }
        }
    }

    func testBackwardEpilogueMatchesSeparatePasses() {
        guard CPUFeatures.current.hasAVX512 else { return }
        for (i, (rows, cin, cout)) in shapes.enumerated() {
            let seed = UInt64(400 + 10 * i)
            let x = FiniteDifference.random(rows * cin, seed: seed + 1, scale: 2)
            let y = FiniteDifference.random(rows * cin, seed: seed + 2, scale: 4)     // about half masked (≤ 0 or ≥ 6)
            let dy = FiniteDifference.random(rows * cout, seed: seed + 3)
            for mask in [y, nil] as [[Float]?] {
                let label = "BN backward epilogue \(rows)×\(cin)←\(cout)\(mask == nil ? "" : " + ReLU6 mask")"
                let got = backward(rows: rows, cin: cin, cout: cout, x: x, y: mask, dy: dy, epilogue: true, seed: seed)
                let want = backward(rows: rows, cin: cin, cout: cout, x: x, y: mask, dy: dy, epilogue: false, seed: seed)
                BackwardGolden.assertClose(got.dx, want.dx, rtol: 1e-6, "\(label) dx")
                BackwardGolden.assertClose(got.dg, want.dg, rtol: 1e-4, "\(label) dγ")   // sums in another order
                BackwardGolden.assertClose(got.db, want.db, rtol: 1e-4, "\(label) dβ")
            }
        }
    }

    func testNaNPropagatesLikeTheSeparatePasses() {
        guard CPUFeatures.current.hasAVX512 else { return }
        let (rows, cin, cout) = (50, 64, 128)
        var x = FiniteDifference.random(rows * cin, seed: 501)
        x[7 * cin + 3] = .nan                                  // row 7 of the output becomes NaN
        let got = forward(rows: rows, cin: cin, cout: cout, relu6: true, residual: nil, x: x, epilogue: true, seed: 502)
        let want = forward(rows: rows, cin: cin, cout: cout, relu6: true, residual: nil, x: x, epilogue: false, seed: 502)
        XCTAssertEqual(got.y.map(\.isNaN), want.y.map(\.isNaN), "forward: NaN in the same places")
        XCTAssertTrue(got.y[(7 * cout)..<(8 * cout)].allSatisfy(\.isNaN), "forward: the NaN row stays NaN through BN + ReLU6")
        var dy = FiniteDifference.random(rows * cout, seed: 503)
        dy[9 * cout] = .nan
        let xb = FiniteDifference.random(rows * cin, seed: 504)
        let b = backward(rows: rows, cin: cin, cout: cout, x: xb, y: nil, dy: dy, epilogue: true, seed: 505)
        let p = backward(rows: rows, cin: cin, cout: cout, x: xb, y: nil, dy: dy, epilogue: false, seed: 505)
        XCTAssertEqual(b.dx.map(\.isNaN), p.dx.map(\.isNaN), "backward: NaN in the same places")
        XCTAssertTrue(b.dg.allSatisfy(\.isNaN) && b.db.allSatisfy(\.isNaN), "backward: a NaN gradient reaches dγ and dβ")
    }

    /// The tile kernels on a tile narrower than the map (ld > cols), baseline vs AVX-512 builds.
    func testBaselineAndAVX512Agree() {
        guard CPUFeatures.current.hasAVX512 else { return }   // only one build runs on this CPU
        let (rows, c) = (45, 96)
        let f = Frozen(c: c, seed: 601)
        let (scale, shift) = f.bn.scaleShift()
        let x = FiniteDifference.random(rows * c, seed: 602, scale: 4), res = FiniteDifference.random(rows * c, seed: 603)
        let dy = FiniteDifference.random(rows * c, seed: 604)
        func run(_ avx512: Bool) -> (y: [Float], dx: [Float], dg: [Float], db: [Float]) {
            VectorISA.avx512 = avx512
            defer { VectorISA.avx512 = savedAVX512 }
            var y = [Float](repeating: 0, count: rows * c), dx = y
            // Two column tiles (0..<32, 32..<96) and two row tiles, the residual on the second.
            x.withUnsafeBufferPointer { xb in res.withUnsafeBufferPointer { rb in y.withUnsafeMutableBufferPointer { yb in
                scale.withUnsafeBufferPointer { sb in shift.withUnsafeBufferPointer { hb in
                    for (r, cols) in [(0..<20, 0..<32), (20..<45, 0..<32), (0..<20, 32..<96), (20..<45, 32..<96)] {
                        let o = r.lowerBound * c + cols.lowerBound
                        BatchNormTiles.frozenForward(x: xb.baseAddress! + o, y: yb.baseAddress! + o,
                                                     residual: cols.lowerBound == 0 ? nil : rb.baseAddress! + o, ld: c, rows: r.count,
                                                     cols: cols.count, scale: sb.baseAddress! + cols.lowerBound,
                                                     shift: hb.baseAddress! + cols.lowerBound, low: 0, high: 6)
                    }
                }}
            }}}
            let tiles = BatchNormTiles.FrozenBackward(channels: c, tiles: 2, gamma: f.gamma, mean: f.mean, invstd: f.invstd, high: 6)
            for (t, r, cols) in [(0, 0..<20, 0..<32), (0, 0..<20, 32..<96), (1, 20..<45, 0..<32), (1, 20..<45, 32..<96)] {
                tiles.piece(tile: t, rows: r, columns: cols, x: x, y: y, dy: dy, dx: &dx)
            }
            var dg = [Float](repeating: 0, count: c), db = dg
            tiles.finish(dGamma: &dg, dBeta: &db)
            return (y, dx, dg, db)
        }
        let a = run(true), b = run(false)
        BackwardGolden.assertClose(a.y, b.y, rtol: 1e-6, "AVX-512 vs baseline forward tile")
        BackwardGolden.assertClose(a.dx, b.dx, rtol: 1e-6, "AVX-512 vs baseline dx")
        BackwardGolden.assertClose(a.dg, b.dg, rtol: 1e-6, "AVX-512 vs baseline dγ")
        BackwardGolden.assertClose(a.db, b.db, rtol: 1e-6, "AVX-512 vs baseline dβ")
        // And against the whole-map passes.
        var want = [Float](repeating: 0, count: rows * c)
        f.bn.forward(x, rows: rows, into: &want, activation: .relu6)
        for r in 0..<rows { for j in 32..<c { want[r * c + j] = min(max(x[r * c + j] * scale[j] + shift[j] + res[r * c + j], 0), 6) } }
        BackwardGolden.assertClose(a.y, want, rtol: 1e-6, "forward tiles vs BatchNorm.forward")
    }

    /// Central differences of Σ dy·BN(x) (no activation: its kinks defeat central differences; the mask is
    /// compared with the separate pass above) against the tiled backward's dx, dγ and dβ.
    func testFrozenBackwardFiniteDifferences() {
        let (rows, c) = (30, 24)
        let f = Frozen(c: c, seed: 701)
        let dy = FiniteDifference.random(rows * c, seed: 702)
        var x = FiniteDifference.random(rows * c, seed: 703, scale: 2)
        func loss(x: [Float], gamma: [Float], beta: [Float]) -> Double {
            var y = [Float](repeating: 0, count: rows * c)
            BatchNorm(gamma: gamma, beta: beta, runningMean: f.mean, runningVar: f.variance, eps: 1e-3).forward(x, rows: rows, into: &y)
            return FiniteDifference.dot(y, dy)
        }
        let tiles = BatchNormTiles.FrozenBackward(channels: c, tiles: 3, gamma: f.gamma, mean: f.mean, invstd: f.invstd, high: .infinity)
        var dx = [Float](repeating: .nan, count: rows * c)
        for (t, r) in [(0, 0..<10), (1, 10..<25), (2, 25..<30)] {
            for cols in [0..<16, 16..<24] { tiles.piece(tile: t, rows: r, columns: cols, x: x, y: nil, dy: dy, dx: &dx) }
        }
        var dg = [Float](repeating: 0, count: c), db = dg
        tiles.finish(dGamma: &dg, dBeta: &db)
        FiniteDifference.check("tiled frozen BN dx", &x, analytic: dx, samples: 96) { loss(x: $0, gamma: f.gamma, beta: f.beta) }
        var gamma = f.gamma, beta = f.beta
        FiniteDifference.check("tiled frozen BN dγ", &gamma, analytic: dg) { loss(x: x, gamma: $0, beta: f.beta) }
        FiniteDifference.check("tiled frozen BN dβ", &beta, analytic: db) { loss(x: x, gamma: f.gamma, beta: $0) }
    }
}
