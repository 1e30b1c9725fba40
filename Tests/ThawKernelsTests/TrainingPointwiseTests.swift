import XCTest
import ThawBLAS
@testable import ThawKernels

/// The packed GEMMs of a trained 1×1 convolution (`TrainingPointwise`: forward, input gradient,
/// accumulated weight gradient, tiles over the cores; the AVX-512 and the AVX2 builds, each this CPU has:
/// `KernelBuild`) against the plain path (`Conv2D` on OpenBLAS),
/// and a finite-difference check of its weight gradient. NaN fails every comparator
/// (`BackwardGolden.mismatch`: the first NaN is the worst error).
final class TrainingPointwiseTests: XCTestCase {
    private var savedFused = true, savedPanels = true, savedAVX512 = false

    override func setUp() { savedFused = TrainingKernels.fused; savedPanels = TrainingKernels.panelGEMMs; savedAVX512 = VectorISA.avx512 }
    override func tearDown() {
        TrainingKernels.fused = savedFused; TrainingKernels.panelGEMMs = savedPanels; VectorISA.avx512 = savedAVX512
    }

    /// (rows, Cin, Cout): Lite0's 7×7 shapes at chunk 2 and 32 (expand 192→1152, project 1152→192, head
    /// 320→1280) and small ones whose rows and channel tiles leave partial 6-row blocks.
    private let shapes = [(98, 192, 1152), (1568, 1152, 192), (98, 320, 1280), (37, 64, 64), (1, 128, 64), (250, 64, 320)]

    private struct Result { var y: [Float]; var dx: [Float]; var dw: [Float] }

    /// Forward, dx and dW (accumulated onto 0.5) of one 1×1 convolution, on the panels or on OpenBLAS.
    private func run(rows: Int, cin: Int, cout: Int, panels: Bool, seed: UInt64) -> Result {
        let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1)
        let weight = FiniteDifference.random(cin * cout, seed: seed, scale: 0.2)        // [Cin, Cout]
        let x = FiniteDifference.random(rows * cin, seed: seed + 1), dy = FiniteDifference.random(rows * cout, seed: seed + 2)
        var r = Result(y: [Float](repeating: .nan, count: rows * cout), dx: [Float](repeating: .nan, count: rows * cin),
                       dw: [Float](repeating: 0.5, count: cin * cout))
        if panels {
            let k = TrainingPointwise(shape)
            k.prepare(weight: weight, version: 1)
            k.forward(x, rows: rows, into: &r.y)
            k.inputGradient(dy, rows: rows, into: &r.dx)
            k.weightGradient(x: x, dy: dy, rows: rows, into: &r.dw)
        } else {
            TrainingKernels.fused = false
            let conv = Conv2D(shape: shape, gemmWeight: weight), ws = Workspace()
            var (y, dx, dw) = (r.y, r.dx, r.dw)
            conv.trainingForward(x, batch: rows, height: 1, width: 1, into: &y, workspace: ws)
            conv.backward(x: x, y: nil, dy: dy, batch: rows, height: 1, width: 1, dx: &dx, dWeight: &dw, dBias: nil, workspace: ws)
            r = Result(y: y, dx: dx, dw: dw)
            TrainingKernels.fused = savedFused
        }
        return r
    }

    /// The same layer run twice on the panel kernels: with `flip(true)`, then with `flip(false)`.
    private func runEachWay(_ flip: (Bool) -> Void, rows: Int, cin: Int, cout: Int, seed: UInt64) -> (on: Result, off: Result) {
        flip(true)
        let on = run(rows: rows, cin: cin, cout: cout, panels: true, seed: seed)
        flip(false)
        return (on, run(rows: rows, cin: cin, cout: cout, panels: true, seed: seed))
    }

    /// Weights prepared as strips (`PanelStrips`, the AVX2 build) give the floats of [K][64] panels exactly, forward
    /// and input gradient.
    func testStripsGiveThePanelsFloats() throws {
        try XCTSkipUnless(TrainingKernels.panelGEMMs && PanelStrips.packs, "strips only where the AVX2 kernels run without AVX-512")
        defer { PanelStrips.atLoad = true }
        for (i, (rows, cin, cout)) in shapes.enumerated() {
            let (strips, inPanels) = runEachWay({ PanelStrips.atLoad = $0 }, rows: rows, cin: cin, cout: cout, seed: UInt64(400 + 10 * i))
            XCTAssertEqual(strips.y, inPanels.y, "1×1 \(rows)×\(cin)→\(cout) forward")
            XCTAssertEqual(strips.dx, inPanels.dx, "1×1 \(rows)×\(cin)→\(cout) dx")
        }
    }

    /// Grids evened to a multiple of the cores (`TrainingKernels.evenTiles`) give the floats of `ConvTiles.grid`'s exactly,
    /// forward and input gradient; at M = 1,568 on 2 cores the 9-tile grids (192→1152 forward, 1152→192 dx) become 12.
    func testEvenTilesGiveTheGridFloats() {
        defer { TrainingKernels.evenTiles = true }
        let evened = TrainingPointwise.evenGrid(ConvTiles.grid(m: 1568, n: 1152, cores: 2, align: 64), cores: 2)
        XCTAssertEqual(evened.count % 2, 0, "the grid is even")
        XCTAssertEqual(evened.columnTiles, ConvTiles.grid(m: 1568, n: 1152, cores: 2, align: 64).columnTiles)
        XCTAssertEqual(TrainingPointwise.evenGrid(ConvTiles.grid(m: 20, n: 64, cores: 3, align: 64), cores: 3).count, 1,
                       "no row tiles under 16 rows: the grid as it was")
        for engine in KernelBuild.vector { engine.run {
            for (i, (rows, cin, cout)) in (shapes + [(1568, 192, 1152), (3136, 1152, 320)]).enumerated() {
                let (even, grid) = runEachWay({ TrainingKernels.evenTiles = $0 }, rows: rows, cin: cin, cout: cout,
                                              seed: UInt64(600 + 10 * i))
                XCTAssertEqual(even.y, grid.y, "1×1 \(rows)×\(cin)→\(cout) forward")
                XCTAssertEqual(even.dx, grid.dx, "1×1 \(rows)×\(cin)→\(cout) dx")
                XCTAssertEqual(even.dw, grid.dw, "1×1 \(rows)×\(cin)→\(cout) dW")
            }
        } }
    }

    func testPanelsMatchOpenBLAS() {
        for engine in KernelBuild.vector { engine.run {
            for (i, (rows, cin, cout)) in shapes.enumerated() {
                let seed = UInt64(200 + 10 * i)
                let panels = run(rows: rows, cin: cin, cout: cout, panels: true, seed: seed)
                let blas = run(rows: rows, cin: cin, cout: cout, panels: false, seed: seed)
                let label = "1×1 \(rows)×\(cin)→\(cout)"
                // fp32 sums of up to 1,568 unit-size terms in another order: up to 5e-5 of the comparator's
                // floor (1% of the largest value) was seen; a wrong index or a lost tile is off by O(1).
                BackwardGolden.assertClose(panels.y, blas.y, rtol: 2e-4, "\(label) forward")
                BackwardGolden.assertClose(panels.dx, blas.dx, rtol: 2e-4, "\(label) dx")
                BackwardGolden.assertClose(panels.dw, blas.dw, rtol: 2e-4, "\(label) dW")
            }
        } }
    }

    func testNaNInTheInputReachesEveryGradient() {
        for engine in KernelBuild.vector { engine.run {
            let (rows, cin, cout) = (20, 64, 128)
            let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1)
            var x = FiniteDifference.random(rows * cin, seed: 301), dy = FiniteDifference.random(rows * cout, seed: 302)
            x[5 * cin + 7] = .nan
            dy[19 * cout + 127] = .nan
            let k = TrainingPointwise(shape)
            k.prepare(weight: FiniteDifference.random(cin * cout, seed: 303), version: 0)
            var y = [Float](repeating: 0, count: rows * cout), dx = [Float](repeating: 0, count: rows * cin)
            var dw = [Float](repeating: 0, count: cin * cout)
            k.forward(x, rows: rows, into: &y)
            k.inputGradient(dy, rows: rows, into: &dx)
            k.weightGradient(x: x, dy: dy, rows: rows, into: &dw)
            XCTAssert(y[5 * cout].isNaN && !y[4 * cout].isNaN, "forward: a NaN input pixel must give NaN outputs in its row only")
            XCTAssert(dx[19 * cin].isNaN && !dx[18 * cin].isNaN, "dx: a NaN in dy must give NaN in its row only")
            XCTAssert(dw[7 * cout].isNaN && dw[8 * cout + 127].isNaN && !dw[8 * cout].isNaN, "dW: NaN where x or dy was NaN")
            XCTAssertNotNil(BackwardGolden.mismatch(y, y.map { $0.isNaN ? 0 : $0 }, rtol: 1e-5, "forward"), "a NaN must fail the comparator")
        } }
    }

    func testRepacksOnlyWhenTheVersionChanges() {
        for engine in KernelBuild.vector { engine.run {
            let (rows, cin, cout) = (12, 64, 64)
            let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1)
            let x = FiniteDifference.random(rows * cin, seed: 311)
            let w1 = FiniteDifference.random(cin * cout, seed: 312), w2 = FiniteDifference.random(cin * cout, seed: 313)
            func reference(_ w: [Float]) -> [Float] {
                var y = [Float](repeating: 0, count: rows * cout)
                BLAS.sgemm(m: rows, n: cout, k: cin, a: x, lda: cin, b: w, ldb: cout, c: &y, ldc: cout)
                return y
            }
            let k = TrainingPointwise(shape)
            var y = [Float](repeating: 0, count: rows * cout)
            k.prepare(weight: w1, version: 1)
            k.prepare(weight: w2, version: 1)          // same version: the packed w1 stays
            k.forward(x, rows: rows, into: &y)
            BackwardGolden.assertClose(y, reference(w1), rtol: 1e-5, "same version keeps the packed weight")
            k.prepare(weight: w2, version: 2)
            k.forward(x, rows: rows, into: &y)
            BackwardGolden.assertClose(y, reference(w2), rtol: 1e-5, "a new version repacks")
        } }
    }

    func testWeightGradientFiniteDifferences() {
        for engine in KernelBuild.vector { engine.run {
            let (rows, cin, cout) = (33, 64, 128)
            let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1)
            let x = FiniteDifference.random(rows * cin, seed: 321), r = FiniteDifference.random(rows * cout, seed: 322)
            var w = FiniteDifference.random(cin * cout, seed: 323, scale: 0.3)
            let k = TrainingPointwise(shape)
            var dw = [Float](repeating: 0, count: cin * cout), dx = [Float](repeating: 0, count: rows * cin)
            k.prepare(weight: w, version: 0)
            k.weightGradient(x: x, dy: r, rows: rows, into: &dw)
            k.inputGradient(r, rows: rows, into: &dx)
            var version = 1
            func loss(_ w: [Float], _ x: [Float]) -> Double {
                k.prepare(weight: w, version: version)
                version += 1
                var y = [Float](repeating: 0, count: rows * cout)
                k.forward(x, rows: rows, into: &y)
                return FiniteDifference.dot(y, r)
            }
            let w0 = w
            FiniteDifference.check("panel 1×1 dW", &w, analytic: dw) { loss($0, x) }
            var xv = x
            FiniteDifference.check("panel 1×1 dx", &xv, analytic: dx) { loss(w0, $0) }
        } }
    }
}
