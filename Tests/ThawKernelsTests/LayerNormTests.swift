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
}
