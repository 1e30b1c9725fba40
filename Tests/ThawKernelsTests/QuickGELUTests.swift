import Foundation
import ThawKernels
import XCTest

final class QuickGELUTests: XCTestCase {
    /// x·σ(1.702x) against the Double formula over −100 … 100 (odd count, so the tail path runs),
    /// finite at the extremes, and in place.
    func testMatchesDoubleFormulaAndStaysFinite() {
        let n = 20_001
        let x = (0..<n).map { Float($0) / 100 - 100 }
        var y = [Float](repeating: .nan, count: n)
        QuickGELU.forward(x: x, count: n, y: &y)
        var worst = 0.0, at = 0
        for i in 0..<n {
            let xd = Double(x[i]), want = xd / (1 + Foundation.exp(-1.702 * xd))
            let err = abs(Double(y[i]) - want) / max(1, abs(want))
            if !(err <= worst) { worst = err; at = i }
        }
        XCTAssertLessThanOrEqual(worst, 1e-6, "QuickGELU: worst relative error at x = \(x[at]): got \(y[at])")
        XCTAssertEqual(y[0], 0, accuracy: 1e-30)          // x = −100: σ underflows cleanly, no NaN
        XCTAssertEqual(y[n - 1], 100)
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { QuickGELU.forward(x: $0.baseAddress!, count: n, y: $0.baseAddress!) }
        XCTAssertEqual(inPlace, y)
    }
}
