import ThawBLAS
import ThawKernels
import ThawKernelsAVX2
import XCTest

/// The AVX2 GELU four vectors in step (`AVX2Kernels.wideLanes`, `F8x4`) against one vector per step: the same
/// operations lane by lane, so identical bits, on lengths that leave every tail and on NaN, ±∞, ±0 and values where
/// erfc's exponent clamps (|x| > 13).
final class AVX2WideLanesTests: XCTestCase {
    override func tearDown() { AVX2Kernels.wideLanes = true }

    private func gelu(_ x: [Float], wide: Bool) -> [Float] {
        AVX2Kernels.wideLanes = wide
        var y = [Float](repeating: -7, count: x.count)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { AVX2Kernels.gelu(x: xb.baseAddress!, count: xb.count, y: $0.baseAddress!) } }
        return y
    }

    func testFourInStepEqualsOneVectorBitForBit() throws {
        guard CPUFeatures.current.hasAVX2FMA else { throw XCTSkip("this CPU has no AVX2+FMA") }
        var state: UInt32 = 7
        for n in [1, 7, 8, 31, 32, 33, 63, 64, 100, 1_536, 10_007] {
            var x = (0..<n).map { (_: Int) -> Float in
                state = state &* 1664525 &+ 1013904223
                return (Float(state >> 8) / Float(1 << 24) - 0.5) * 40                   // −20 … 20
            }
            if n > 40 { x[3] = .nan; x[9] = .infinity; x[10] = -.infinity; x[11] = 0; x[12] = -0.0; x[n - 1] = .nan }
            let wide = gelu(x, wide: true), narrow = gelu(x, wide: false)
            for i in 0..<n {
                XCTAssertTrue(wide[i].bitPattern == narrow[i].bitPattern || (wide[i].isNaN && narrow[i].isNaN),
                              "n \(n), x[\(i)] = \(x[i]): four in step \(wide[i]), one vector \(narrow[i])")
            }
        }
    }
}
