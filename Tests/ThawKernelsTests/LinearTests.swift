import ThawKernels
import XCTest

final class LinearTests: XCTestCase {
    func testMatchesTorchLinear() throws {
        let x = try TransformerGolden.load("linear_x"), w = try TransformerGolden.load("linear_w")
        let b = try TransformerGolden.load("linear_b"), want = try TransformerGolden.load("linear_y")
        let p = LinearParameters(weight: w.data, bias: b.data, inFeatures: w.shape[1], outFeatures: w.shape[0])
        var y = [Float](repeating: .nan, count: want.data.count)
        x.data.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { Linear.forward(p, x: xp.baseAddress!, rows: x.shape[0], y: $0.baseAddress!) }
        }
        TransformerGolden.assertClose(y, want.data, "linear")
    }

    /// Rows split over the cores (one single-threaded sgemm per part) against one call and a
    /// float64 reference, with and without `accumulate`; 1,001 rows so the parts are uneven. Outputs are O(1–10):
    /// errors are judged against 1 (near-zero outputs are cancellations).
    func testSplitRowsEqualsOneCall() {
        let (rows, k, n) = (1001, 24, 40)
        let x = (0..<rows * k).map { Float(($0 * 37) % 101) / 50 - 1 }
        let p = LinearParameters(weight: (0..<n * k).map { Float(($0 * 53) % 97) / 48 - 1 },
                                 bias: (0..<n).map { Float($0) / 10 - 2 }, inFeatures: k, outFeatures: n)
        let start = (0..<rows * n).map { Float($0 % 7) }
        for accumulate in [false, true] {
            var one = start, split = start
            Linear.forward(p, x: x, rows: rows, y: &one, accumulate: accumulate)
            Linear.forward(p, x: x, rows: rows, y: &split, accumulate: accumulate, splitRows: true)
            var want = [Float](repeating: 0, count: rows * n)
            for r in 0..<rows {
                for o in 0..<n {
                    var s = Double(p.bias[o]) + (accumulate ? Double(start[r * n + o]) : 0)
                    for i in 0..<k { s += Double(x[r * k + i]) * Double(p.weight[o * k + i]) }
                    want[r * n + o] = Float(s)
                }
            }
            TransformerGolden.assertClose(split, one, rtol: 1e-6, floor: 1, "split vs one call, accumulate \(accumulate)")
            TransformerGolden.assertClose(split, want, rtol: 1e-6, floor: 1, "split vs float64, accumulate \(accumulate)")
        }
    }
}
