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
}
