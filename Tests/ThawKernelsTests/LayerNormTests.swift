import ThawKernels
import XCTest

final class LayerNormTests: XCTestCase {
    func testMatchesTorchLayerNormInPlaceAndSavesStatistics() throws {
        let x = try TransformerGolden.load("layernorm_x"), g = try TransformerGolden.load("layernorm_g")
        let b = try TransformerGolden.load("layernorm_b"), want = try TransformerGolden.load("layernorm_y")
        let rows = x.shape[0], c = x.shape[1]
        var y = x.data
        var mean = [Float](repeating: 0, count: rows), rstd = mean
        y.withUnsafeMutableBufferPointer { yp in
            LayerNorm.forward(x: UnsafePointer(yp.baseAddress!), rows: rows, channels: c,
                              gamma: g.data, beta: b.data, eps: 1e-12, y: yp.baseAddress!,
                              mean: &mean, rstd: &rstd)
        }
        // Outputs are O(1): near-zero ones are cancellations, judged against 0.1.
        TransformerGolden.assertClose(y, want.data, floor: 0.1, "layernorm")
        // Row 0 statistics against a direct float64 computation.
        let row = x.data[0..<c].map(Double.init)
        let m = row.reduce(0, +) / Double(c)
        let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(c)
        XCTAssertEqual(Double(mean[0]), m, accuracy: 1e-4 * abs(m))
        XCTAssertEqual(Double(rstd[0]), 1 / v.squareRoot(), accuracy: 1e-4 / v.squareRoot())
    }

    /// Rows far from zero (mean ≈ 100, spread ≈ 1) and widths that are not a multiple of 8:
    /// the Float two-pass with its mean correction must match a float64 computation.
    func testLargeMeanAndOddWidthMatchFloat64() {
        for c in [384, 13, 5] {
            let rows = 6
            let x = (0..<rows * c).map { Float(100 + 37 * $0 / c) + Float(($0 * 29) % 17) / 8 - 1 }
            let g = (0..<c).map { 1 + Float($0 % 5) / 10 }, b = (0..<c).map { Float($0 % 3) / 4 }
            var y = [Float](repeating: .nan, count: rows * c)
            var mean = [Float](repeating: 0, count: rows), rstd = mean
            LayerNorm.forward(x: x, rows: rows, channels: c, gamma: g, beta: b, eps: 1e-12, y: &y, mean: &mean, rstd: &rstd)
            var want = [Float](repeating: 0, count: rows * c)
            for r in 0..<rows {
                let row = x[r * c..<(r + 1) * c].map(Double.init)
                let m = row.reduce(0, +) / Double(c)
                let s = 1 / (row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(c) + 1e-12).squareRoot()
                for i in 0..<c { want[r * c + i] = Float((row[i] - m) * s * Double(g[i]) + Double(b[i])) }
                XCTAssertEqual(Double(mean[r]), m, accuracy: 1e-6 * m, "mean of row \(r), width \(c)")
                XCTAssertEqual(Double(rstd[r]), s, accuracy: 1e-5 * s, "rstd of row \(r), width \(c)")
            }
            TransformerGolden.assertClose(y, want, rtol: 2e-5, floor: 0.1, "layernorm near 100, width \(c)")
        }
    }
}
