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

    /// The derivative against the Double formula and a central finite difference of the forward, over
    /// −100 … 100 (finite at the extremes); dy scales it; in place on dy.
    func testBackwardMatchesFormulaAndFiniteDifference() {
        let n = 20_001
        let x = (0..<n).map { Float($0) / 100 - 100 }
        let dy = (0..<n).map { Float(1 + ($0 % 3)) }
        var dx = [Float](repeating: .nan, count: n)
        QuickGELU.backward(x: x, dy: dy, count: n, dx: &dx)
        var worst = 0.0, at = 0
        for i in 0..<n {
            let v = Double(x[i]), s = 1 / (1 + Foundation.exp(-1.702 * v))
            let want = Double(dy[i]) * (s + 1.702 * v * s * (1 - s))
            let err = abs(Double(dx[i]) - want) / max(1, abs(want))
            if !(err <= worst) { worst = err; at = i }
        }
        XCTAssertLessThanOrEqual(worst, 1e-6, "QuickGELU′: worst relative error at x = \(x[at]): got \(dx[at])")
        // Finite differences of the Float forward at a few points (h = 1e-2, Double arithmetic on the outputs).
        for v: Float in [-3, -0.7, 0, 0.4, 2.5] {
            var p: [Float] = [v + 1e-2, v - 1e-2], y: [Float] = [0, 0]
            QuickGELU.forward(x: &p, count: 2, y: &y)
            let numeric = (Double(y[0]) - Double(y[1])) / 2e-2
            var g: [Float] = [0]
            QuickGELU.backward(x: [v], dy: [1], count: 1, dx: &g)
            XCTAssertEqual(Double(g[0]), numeric, accuracy: 1e-3, "x = \(v)")
        }
        var inPlace = dy
        inPlace.withUnsafeMutableBufferPointer { QuickGELU.backward(x: x, dy: $0.baseAddress!, count: n, dx: $0.baseAddress!) }
        XCTAssertEqual(inPlace, dx)
    }
}
