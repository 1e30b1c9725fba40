import Foundation
import ThawKernels
import XCTest

final class SoftmaxTests: XCTestCase {
    func testMatchesTorchSoftmaxOnLargeLogits() throws {
        let x = try TransformerGolden.load("softmax_x"), want = try TransformerGolden.load("softmax_y")
        var y = x.data
        y.withUnsafeMutableBufferPointer { Softmax.forward($0.baseAddress!, rows: x.shape[0], columns: x.shape[1]) }
        TransformerGolden.assertClose(y, want.data, floor: 1e-6, "softmax")
        let c = x.shape[1]
        for r in 0..<x.shape[0] {
            XCTAssertEqual(y[r * c..<(r + 1) * c].reduce(0, +), 1, accuracy: 1e-5, "row \(r) sum")
        }
    }

    /// Row widths around the 8-lane steps (1, 7, 8, 13, 130) against float64.
    func testOddWidthsMatchFloat64() {
        for n in [1, 7, 8, 13, 130] {
            let rows = 3
            var x = (0..<rows * n).map { Float(($0 * 41) % 23) / 3 - 4 }
            var want = [Float](repeating: 0, count: rows * n)
            for r in 0..<rows {
                let row = x[r * n..<(r + 1) * n].map(Double.init), m = row.max()!
                let e = row.map { Foundation.exp($0 - m) }, s = e.reduce(0, +)
                for i in 0..<n { want[r * n + i] = Float(e[i] / s) }
            }
            x.withUnsafeMutableBufferPointer { Softmax.forward($0.baseAddress!, rows: rows, columns: n) }
            TransformerGolden.assertClose(x, want, rtol: 1e-5, floor: 1e-6, "softmax width \(n)")
        }
    }
}
