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
        // Error relative to max(1, |y|): the comparator with floor 1 (NaN-aware, unlike a running max()).
        TransformerGolden.assertClose(y, want.data, rtol: 1e-6, floor: 1, "gelu, relative to max(1, |y|)")
    }

    /// The AVX2+FMA build and the baseline build of GELU and softmax agree (both run here when the
    /// CPU has AVX2; the golden tests above check whichever runs by default).
    func testAVX2AndBaselineBuildsAgree() throws {
        guard VectorISA.avx2FMA else { throw XCTSkip("this CPU has no AVX2+FMA: only the baseline build runs") }
        defer { VectorISA.avx2FMA = true }
        let n = 10_007                                           // not a multiple of 8
        let x = (0..<n).map { Float($0) / 500 - 10 }             // −10 … 10
        func run() -> (gelu: [Float], softmax: [Float]) {
            var g = [Float](repeating: .nan, count: n)
            GELU.forward(x: x, count: n, y: &g)
            var s = x                                             // softmax over [91, 109] of it
            s.withUnsafeMutableBufferPointer { Softmax.forward($0.baseAddress!, rows: 91, columns: 109) }
            return (g, s)
        }
        let fast = run()
        VectorISA.avx2FMA = false
        let base = run()
        TransformerGolden.assertClose(fast.gelu, base.gelu, rtol: 1e-6, floor: 1, "GELU: AVX2 vs baseline, relative to max(1, |y|)")
        TransformerGolden.assertClose(fast.softmax, base.softmax, rtol: 1e-5, floor: 1e-6, "softmax: AVX2 vs baseline")
    }
}
