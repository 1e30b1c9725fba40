import Foundation
@testable import ThawKernels
import XCTest

/// The 8-lane exp/erfc behind softmax and GELU, against float64 libm on dense grids.
final class VectorMathTests: XCTestCase {
    /// Applies an 8-lane function to every value of `xs`.
    private func lanes(_ xs: [Float], _ f: (SIMD8<Float>) -> SIMD8<Float>) -> [Float] {
        var out = [Float](repeating: 0, count: xs.count)
        for i in stride(from: 0, to: xs.count, by: 8) {
            var v = SIMD8<Float>()
            for j in 0..<min(8, xs.count - i) { v[j] = xs[i + j] }
            let y = f(v)
            for j in 0..<min(8, xs.count - i) { out[i + j] = y[j] }
        }
        return out
    }

    private func grid(_ lo: Float, _ hi: Float, _ n: Int) -> [Float] {
        (0..<n).map { lo + (hi - lo) * Float($0) / Float(n - 1) }
    }

    func testExpIsWithinTwoULP() {
        let xs = grid(-87, 88, 200_003)
        let ys = lanes(xs, VectorMath.exp)
        var worst: (ulps: Float, x: Float) = (0, 0)
        for (x, y) in zip(xs, ys) {
            let ref = Foundation.exp(Double(x))
            let ulps = Float(abs(Double(y) - ref) / Double(Float(ref).ulp))
            if !worst.ulps.isNaN, !(ulps <= worst.ulps) { worst = (ulps, x) }   // the first NaN stays worst
        }
        XCTAssertLessThanOrEqual(worst.ulps, 2, "worst at x = \(worst.x)")
    }

    func testExpUnderflowsToZeroAndHandlesMaskedScores() {
        let ys = lanes([-88, -1000, -Float.greatestFiniteMagnitude, 0, 1, -87.2, 88.3, 5], VectorMath.exp)
        XCTAssertEqual(Array(ys[0..<3]), [0, 0, 0])
        XCTAssertEqual(ys[3], 1)
        XCTAssertEqual(Double(ys[4]), M_E, accuracy: 1e-6)
        XCTAssertGreaterThan(ys[5], 0)
        XCTAssertTrue(ys[6].isFinite)
    }

    /// GELU(x) = x·Φ(x) within 1e-6 absolute everywhere and 5e-6 relative where it is not tiny (the
    /// float rounding of −z² in the exponent; the textbook 0.5·x·(1 + erff) loses whole digits there).
    func testGELUAgainstFloat64Erf() {
        let xs = grid(-20, 20, 100_001)
        var ys = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { GELU.forward(x: $0.baseAddress!, count: xs.count, y: &ys) }
        var worstAbs: (err: Double, x: Float) = (0, 0), worstRel: (err: Double, x: Float) = (0, 0)
        for (x, y) in zip(xs, ys) {
            let ref = 0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot()))
            let err = abs(Double(y) - ref)
            if !worstAbs.err.isNaN, !(err <= worstAbs.err) { worstAbs = (err, x) }   // the first NaN stays worst
            if abs(ref) > 1e-6, !worstRel.err.isNaN, !(err / abs(ref) <= worstRel.err) { worstRel = (err / abs(ref), x) }
        }
        XCTAssertLessThanOrEqual(worstAbs.err, 1e-6, "worst absolute error at x = \(worstAbs.x)")
        XCTAssertLessThanOrEqual(worstRel.err, 5e-6, "worst relative error at x = \(worstRel.x)")
    }

    /// Softmax rows of every length 1…40 (short tails included) sum to 1 and match float64.
    func testSoftmaxRowsOfEveryLength() {
        var rng = SystemRandomNumberGenerator()
        for n in 1...40 {
            var x = (0..<n).map { _ in Float.random(in: -30...30, using: &rng) }
            let ref = x.map(Double.init)
            let m = ref.max()!, s = ref.map { exp($0 - m) }.reduce(0, +)
            Softmax.forward(&x, rows: 1, columns: n)
            for j in 0..<n { XCTAssertEqual(Double(x[j]), exp(ref[j] - m) / s, accuracy: 1e-6, "n \(n) j \(j)") }
        }
    }
}
