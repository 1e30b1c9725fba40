import XCTest
@testable import ThawKernels
import ThawKernelsAVX2

/// The frozen BatchNorm forward of the trained blocks on the AVX2 pass (`BatchNormTraining.frozenForward` with
/// `TrainingKernels.avx2BatchNormForward`: `AVX2Kernels.batchNormForwardRows`) against the baseline `BatchNorm.forward`:
/// bit for bit, ReLU6 and identity, Lite0's widths and ones with a partial vector, values on and past the clamp bounds,
/// ±0, ±∞ and NaN; and against a float64 reference of x · scale + shift.
final class AVX2BatchNormForwardTests: XCTestCase {
    private var saved = false
    override func setUp() { saved = TrainingKernels.avx2BatchNormForward }
    override func tearDown() { TrainingKernels.avx2BatchNormForward = saved }

    private func frozenBN(_ c: Int, seed: UInt64) -> BatchNorm {
        BatchNorm(gamma: FiniteDifference.random(c, seed: seed), beta: FiniteDifference.random(c, seed: seed + 1),
                  runningMean: FiniteDifference.random(c, seed: seed + 2),
                  runningVar: FiniteDifference.random(c, seed: seed + 3).map { 0.25 + abs($0) }, eps: 1e-3)
    }

    /// x with the edge cases planted at fixed places among random values three times the unit scale (many clamp).
    private func input(rows: Int, c: Int, seed: UInt64) -> [Float] {
        var x = FiniteDifference.random(rows * c, seed: seed, scale: 3)
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 6, -6, 1e30, -1e30, .leastNonzeroMagnitude]
        for (i, v) in specials.enumerated() where i * 7 < x.count { x[i * 7] = v }
        return x
    }

    private func run(_ bn: BatchNorm, _ x: [Float], rows: Int, relu6: Bool, avx2: Bool) -> [Float] {
        TrainingKernels.avx2BatchNormForward = avx2
        var y = [Float](repeating: 42, count: x.count)
        BatchNormTraining.frozenForward(bn, x, rows: rows, relu6: relu6, into: &y)
        return y
    }

    func testAVX2PassGivesTheBaselineFloats() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels && !VectorISA.avx512, "the AVX2 pass runs only on AVX2 CPUs without AVX-512")
        for (i, (rows, c)) in [(1568, 1152), (98, 192), (49, 320), (64, 1280), (5, 13), (3, 7), (1, 1)].enumerated() {
            let seed = UInt64(900 + 10 * i)
            let bn = frozenBN(c, seed: seed), x = input(rows: rows, c: c, seed: seed + 5)
            for relu6 in [true, false] {
                let fast = run(bn, x, rows: rows, relu6: relu6, avx2: true)
                let base = run(bn, x, rows: rows, relu6: relu6, avx2: false)
                XCTAssertEqual(fast.map(\.bitPattern), base.map(\.bitPattern), "[\(rows), \(c)] relu6 \(relu6)")
            }
        }
    }

    func testAVX2PassMatchesFloat64() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels && !VectorISA.avx512, "the AVX2 pass runs only on AVX2 CPUs without AVX-512")
        let rows = 37, c = 200
        let bn = frozenBN(c, seed: 77), x = FiniteDifference.random(rows * c, seed: 78, scale: 3)
        let y = run(bn, x, rows: rows, relu6: true, avx2: true)
        var worst = 0.0
        for r in 0..<rows {
            for j in 0..<c {
                let s = Double(bn.gamma[j]) / (Double(bn.variance[j]) + Double(bn.eps)).squareRoot()
                let ref = min(max((Double(x[r * c + j]) - Double(bn.mean[j])) * s + Double(bn.beta[j]), 0), 6)
                let e = abs(Double(y[r * c + j]) - ref)
                if !worst.isNaN && !(e <= worst) { worst = e }      // a NaN sticks, and fails below
            }
        }
        XCTAssertLessThan(worst, 1e-5, "max abs error against float64")
    }
}
