import XCTest
@testable import ThawKernels

/// The frozen BN backward inside the input-gradient GEMM's tiles (`FrozenBatchNormTiles` after
/// `TrainingPointwise.inputGradient(rowTiles:after:)`) against the GEMM followed by `BatchNormActivationBackward.run`
/// (bit for bit: dx, dγ, dβ), and against a float64 reference of the same function.
final class FrozenBatchNormTilesTests: XCTestCase {
    /// (rows, Cin of the layer = C of the BN, Cout of the layer): Lite0's project at chunk 32 and 2, one task, partial
    /// blocks and tiles, a single row.
    private let shapes = [(1568, 1152, 192), (98, 1152, 192), (1000, 128, 64), (37, 64, 128), (1, 64, 64), (333, 192, 320)]

    private struct Case {
        let rows: Int, c: Int
        let kernel: TrainingPointwise
        let dy: [Float]                                      // [rows, Cout], the GEMM's input
        let x: [Float], y: [Float]                           // [rows, C]: BN input, ReLU6 output (some 0 and 6)
        let gamma: [Float], mean: [Float], invstd: [Float]   // [C]
    }

    private func make(rows: Int, c: Int, cout: Int, seed: UInt64) -> Case {
        let k = TrainingPointwise(Conv2DShape(inChannels: c, outChannels: cout, kernel: 1))
        k.prepare(weight: FiniteDifference.random(c * cout, seed: seed, scale: 0.2), version: 1)
        let x = FiniteDifference.random(rows * c, seed: seed + 1, scale: 2)
        let y = FiniteDifference.random(rows * c, seed: seed + 2, scale: 5).map { min(max($0 + 2, 0), 6) }
        return Case(rows: rows, c: c, kernel: k, dy: FiniteDifference.random(rows * cout, seed: seed + 3),
                    x: x, y: y, gamma: FiniteDifference.random(c, seed: seed + 4), mean: FiniteDifference.random(c, seed: seed + 5),
                    invstd: FiniteDifference.random(c, seed: seed + 6).map { abs($0) + 0.5 })
    }

    /// (dx, dγ, dβ): dγ, dβ accumulate onto 0.25.
    private func separate(_ t: Case) -> ([Float], [Float], [Float]) {
        var dx = [Float](repeating: .nan, count: t.rows * t.c)
        var dg = [Float](repeating: 0.25, count: t.c), db = dg
        t.kernel.inputGradient(t.dy, rows: t.rows, into: &dx)
        dx.withUnsafeMutableBufferPointer { p in
            BatchNormActivationBackward.run(x: t.x, y: t.y, high: 6, dy: p.baseAddress!, rows: t.rows, channels: t.c,
                                            gamma: t.gamma, mean: t.mean, invstd: t.invstd, batchStatistics: false,
                                            dx: p.baseAddress!, dGamma: &dg, dBeta: &db)
        }
        return (dx, dg, db)
    }

    private func inTiles(_ t: Case) -> ([Float], [Float], [Float]) {
        var dx = [Float](repeating: .nan, count: t.rows * t.c)
        var dg = [Float](repeating: 0.25, count: t.c), db = dg
        let outScale = zip(t.gamma, t.invstd).map { $0 * $1 }
        let tiles = FrozenBatchNormTiles(rows: t.rows, channels: t.c, rowTiles: t.kernel.inputGradientRowTiles(rows: t.rows))
        dx.withUnsafeMutableBufferPointer { p in
            let d = p.baseAddress!
            t.kernel.inputGradient(t.dy, rows: t.rows, into: d, rowTiles: tiles.rowTiles) { r, cols in
                tiles.pass(rows: r, columns: cols, x: t.x, y: t.y, high: 6, dy: d, mean: t.mean, invstd: t.invstd,
                           outScale: outScale)
            }
        }
        tiles.finish(dGamma: &dg, dBeta: &db)
        return (dx, dg, db)
    }

    func testInTilesGivesTheSeparatePassFloats() throws {
        try XCTSkipUnless(FrozenBatchNormTiles.supported && TrainingPointwise.supports(Conv2DShape(inChannels: 64, outChannels: 64, kernel: 1)),
                          "the AVX2 pass and the packed GEMMs")
        for (i, (rows, c, cout)) in shapes.enumerated() {
            let t = make(rows: rows, c: c, cout: cout, seed: 70 + UInt64(i) * 10)
            let a = separate(t), b = inTiles(t)
            let label = "rows \(rows) C \(c)"
            XCTAssertTrue((a.0 + a.1 + a.2).allSatisfy(\.isFinite), "\(label): the separate pass's dx, dγ, dβ are finite")
            XCTAssertEqual(a.0.map(\.bitPattern), b.0.map(\.bitPattern), "\(label): dx")
            XCTAssertEqual(a.1.map(\.bitPattern), b.1.map(\.bitPattern), "\(label): dγ")
            XCTAssertEqual(a.2.map(\.bitPattern), b.2.map(\.bitPattern), "\(label): dβ")
        }
    }

    /// The row tiles partition the rows in order, about as many as asked (whole blocks: `pass` checks).
    func testRowTilesPartitionTheRows() {
        for (rows, c, want) in [(1568, 1152, 4), (1568, 192, 4), (98, 1152, 4), (1, 64, 4), (3136, 1152, 6), (100, 64, 1)] {
            let tiles = FrozenBatchNormTiles(rows: rows, channels: c, rowTiles: want).rowTiles
            XCTAssertEqual(tiles.first?.lowerBound, 0); XCTAssertEqual(tiles.last?.upperBound, rows)
            XCTAssertTrue(zip(tiles, tiles.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "\(rows)×\(c): \(tiles)")
            XCTAssertLessThanOrEqual(tiles.count, want + 1, "\(rows)×\(c): \(tiles)")
        }
    }

    /// dx, dγ, dβ of the fused path against float64: dx = γ·invstd·g, dγ = 0.25 + Σ g·x̂, dβ = 0.25 + Σ g, g the masked GEMM
    /// output (its float64 product with the same weights, so the GEMM's rounding is inside the tolerance).
    func testInTilesAgainstFloat64() throws {
        try XCTSkipUnless(FrozenBatchNormTiles.supported && TrainingPointwise.supports(Conv2DShape(inChannels: 64, outChannels: 64, kernel: 1)),
                          "the AVX2 pass and the packed GEMMs")
        for (i, (rows, c, cout)) in [(1568, 1152, 192), (37, 64, 128)].enumerated() {
            let seed = 170 + UInt64(i) * 10
            let t = make(rows: rows, c: c, cout: cout, seed: seed)
            let w = FiniteDifference.random(c * cout, seed: seed, scale: 0.2)            // [C, Cout], as `make` prepared
            let (dx, dg, db) = inTiles(t)
            var refDx = [Double](repeating: 0, count: rows * c)
            var refG = [Double](repeating: 0.25, count: c), refB = refG
            for r in 0..<rows {
                for j in 0..<c {
                    var v = 0.0
                    for o in 0..<cout { v += Double(t.dy[r * cout + o]) * Double(w[j * cout + o]) }
                    let yv = t.y[r * c + j]
                    let g = yv > 0 && yv < 6 ? v : 0
                    let xh = (Double(t.x[r * c + j]) - Double(t.mean[j])) * Double(t.invstd[j])
                    refDx[r * c + j] = Double(t.gamma[j]) * Double(t.invstd[j]) * g
                    refG[j] += g * xh; refB[j] += g
                }
            }
            func worst(_ a: [Float], _ b: [Double]) -> Double {
                let scale = b.reduce(0) { max($0, abs($1)) }
                return zip(a, b).reduce(0) { w, p in Double(p.0).isNaN ? .infinity : max(w, abs(Double(p.0) - p.1)) } / scale
            }
            XCTAssertLessThan(worst(dx, refDx), 1e-5, "rows \(rows): dx against float64")
            XCTAssertLessThan(worst(dg, refG), 1e-5, "rows \(rows): dγ against float64")
            XCTAssertLessThan(worst(db, refB), 1e-5, "rows \(rows): dβ against float64")
        }
    }
}
