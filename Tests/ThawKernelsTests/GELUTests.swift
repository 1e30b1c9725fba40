import ThawKernels
import XCTest

final class GELUTests: XCTestCase {
    func testMatchesErfGELUWithin1e6Absolute() throws {
        let x = try TransformerGolden.load("gelu_x"), want = try TransformerGolden.load("gelu_y")
        var y = [Float](repeating: .nan, count: x.data.count)
        x.data.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { GELU.forward(x: xp.baseAddress!, count: xp.count, y: $0.baseAddress!) }
        }
        TransformerGolden.assertClose(y, want.data, "gelu")
        var worst: Float = 0
        for i in 0..<y.count { worst = max(worst, abs(y[i] - want.data[i]) / max(1, abs(want.data[i]))) }
        XCTAssertLessThanOrEqual(worst, 1e-6, "worst error relative to max(1,|y|)")
    }
}
