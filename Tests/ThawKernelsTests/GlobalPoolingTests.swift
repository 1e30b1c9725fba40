import ThawKernels
import XCTest

/// Global average and max pooling over H·W, written into rows `ldy` apart (as heads' avgmax
/// pooling fills [avg ‖ max] rows), against a direct Double computation.
final class GlobalPoolingTests: XCTestCase {
    func testGlobalAvgAndMaxIntoStridedRows() {
        let n = 3, h = 2, w = 5, c = 7, ld = 2 * c
        var x = [Float](repeating: 0, count: n * h * w * c)
        for i in x.indices { x[i] = Float(sin(Double(i) * 1.37) * 3) }
        var y = [Float](repeating: .nan, count: n * ld)
        y.withUnsafeMutableBufferPointer { out in
            Pooling.globalAvgPool(x, batch: n, height: h, width: w, channels: c, into: out.baseAddress!, ldy: ld)
            Pooling.globalMaxPool(x, batch: n, height: h, width: w, channels: c, into: out.baseAddress! + c, ldy: ld)
        }
        for i in 0..<n {
            for j in 0..<c {
                let column = (0..<(h * w)).map { Double(x[(i * h * w + $0) * c + j]) }
                XCTAssertEqual(Double(y[i * ld + j]), column.reduce(0, +) / Double(h * w), accuracy: 1e-6, "avg [\(i), \(j)]")
                XCTAssertEqual(Double(y[i * ld + c + j]), column.max()!, "max [\(i), \(j)]")
            }
        }
    }

    func testDefaultRowStrideIsTheChannelCount() {
        let x: [Float] = [1, -2, 3, 4, -5, 6]   // one image, 3 pixels, 2 channels
        var avg = [Float](repeating: .nan, count: 2), mx = avg
        Pooling.globalAvgPool(x, batch: 1, height: 3, width: 1, channels: 2, into: &avg)
        Pooling.globalMaxPool(x, batch: 1, height: 1, width: 3, channels: 2, into: &mx)
        XCTAssertEqual(avg[0], -1.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(avg[1], 8.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(mx, [3, 6])
    }
}
