import XCTest
import ThawBLAS
@testable import ThawKernels

/// `TrainingPointwise.forward(_:rows:bias:residual:low:high:into:)` (a folded BatchNorm's bias, the block's skip
/// and ReLU6 in the AVX-512 or AVX2 GEMM's register epilogue, each build this CPU has: `KernelBuild`) against a float64 reference of
/// clamp(x · W + bias (+ residual), low, high), on Lite0's 7×7 shapes (one map) and small ones that leave partial 6-row
/// blocks and tiles. NaN fails the comparator (`BackwardGolden.assertClose`), and a NaN input reaches its row.
final class TrainingPointwiseEpilogueTests: XCTestCase {
    private let shapes = [(49, 192, 1152), (49, 1152, 192), (37, 320, 1280), (37, 64, 64), (1, 128, 64), (250, 64, 320)]

    private func reference(_ x: [Float], _ w: [Float], _ b: [Float], _ r: [Float]?, rows: Int, cin: Int, cout: Int,
                           low: Float, high: Float) -> [Float] {
        var y = [Float](repeating: 0, count: rows * cout)
        for i in 0..<rows {
            var acc = [Double](repeating: 0, count: cout)
            for k in 0..<cin {
                let a = Double(x[i * cin + k])
                for j in 0..<cout { acc[j] += a * Double(w[k * cout + j]) }
            }
            for j in 0..<cout {
                let v = Float(acc[j] + Double(b[j]) + Double(r?[i * cout + j] ?? 0))
                y[i * cout + j] = min(max(v, low), high)
            }
        }
        return y
    }

    func testEpilogueMatchesFloat64Reference() {
        for engine in KernelBuild.vector { engine.run {
            for (i, (rows, cin, cout)) in shapes.enumerated() {
                let seed = UInt64(700 + 10 * i)
                let k = TrainingPointwise(Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1))
                let w = FiniteDifference.random(cin * cout, seed: seed, scale: 0.2)      // [Cin, Cout]
                k.prepare(weight: w, version: 1)
                let x = FiniteDifference.random(rows * cin, seed: seed + 1), b = FiniteDifference.random(cout, seed: seed + 2)
                let r = FiniteDifference.random(rows * cout, seed: seed + 3)
                for (residual, low, high) in [(nil, Float(0), Float(6)), (r, -Float.infinity, Float.infinity)] as [([Float]?, Float, Float)] {
                    var y = [Float](repeating: .nan, count: rows * cout)
                    b.withUnsafeBufferPointer { bb in
                        if let residual {
                            residual.withUnsafeBufferPointer { k.forward(x, rows: rows, bias: bb.baseAddress!, residual: $0.baseAddress!, low: low, high: high, into: &y) }
                        } else {
                            k.forward(x, rows: rows, bias: bb.baseAddress!, residual: nil, low: low, high: high, into: &y)
                        }
                    }
                    let want = reference(x, w, b, residual, rows: rows, cin: cin, cout: cout, low: low, high: high)
                    BackwardGolden.assertClose(y, want, rtol: 2e-4, "1×1 \(rows)×\(cin)→\(cout) residual \(residual != nil) clamp (\(low), \(high))")
                }
            }
        } }
    }

    func testNaNInputReachesItsRowOnly() {
        for engine in KernelBuild.vector { engine.run {
            let rows = 13, cin = 64, cout = 128
            let k = TrainingPointwise(Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1))
            k.prepare(weight: FiniteDifference.random(cin * cout, seed: 91, scale: 0.2), version: 1)
            var x = FiniteDifference.random(rows * cin, seed: 92)
            x[7 * cin + 5] = .nan
            let b = [Float](repeating: 0.1, count: cout)
            var y = [Float](repeating: 0, count: rows * cout)
            k.forward(x, rows: rows, bias: b, residual: nil, low: -.infinity, high: .infinity, into: &y)
            XCTAssertTrue(y[(7 * cout)..<(8 * cout)].allSatisfy(\.isNaN), "row 7 holds the NaN input: every output of it is NaN")
            XCTAssertTrue(y[0..<(7 * cout)].allSatisfy(\.isFinite) && y[(8 * cout)...].allSatisfy(\.isFinite), "the other rows stay finite")
        } }
    }
}
