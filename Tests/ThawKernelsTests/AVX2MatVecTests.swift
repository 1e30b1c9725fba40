import XCTest
import ThawKernels
import ThawKernelsAVX2
import ThawKernelsAVX512

/// `AVX2Kernels.matVecRows` against a float64 reference (k with and without a tail past 64, a NaN reaching its row
/// only), and on an AVX-512 CPU against the AVX-512 build, whose arithmetic it repeats lane for lane (the same floats).
final class AVX2MatVecTests: XCTestCase {
    func run(out: Int, k: Int, avx512: Bool, nanAt: Int? = nil) -> (y: [Float], want: [Double]) {
        var w = FiniteDifference.random(out * k, seed: UInt64(out + k), scale: 0.1)
        let x = FiniteDifference.random(k, seed: UInt64(k)), bias = FiniteDifference.random(out, seed: 7)
        if let nanAt { w[nanAt * k + k / 2] = .nan }
        var y = [Float](repeating: -7, count: out)
        w.withUnsafeBufferPointer { wb in x.withUnsafeBufferPointer { xb in bias.withUnsafeBufferPointer { bb in
            y.withUnsafeMutableBufferPointer { yb in
                if avx512 {
                    AVX512Kernels.matVecRows(w: wb.baseAddress!, x: xb.baseAddress!, k: k, bias: bb.baseAddress!, rows: 0..<out, y: yb.baseAddress!)
                } else {
                    AVX2Kernels.matVecRows(w: wb.baseAddress!, x: xb.baseAddress!, k: k, bias: bb.baseAddress!, rows: 0..<out, y: yb.baseAddress!)
                }
            }
        } } }
        let want = (0..<out).map { j in Double(bias[j]) + (0..<k).reduce(0.0) { $0 + Double(w[j * k + $1]) * Double(x[$1]) } }
        return (y, want)
    }

    func testAgainstTheFloat64Reference() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels, "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        for (out, k) in [(1000, 1280), (10, 2048), (7, 33), (5, 64)] {
            let (y, want) = run(out: out, k: k, avx512: false)
            for j in 0..<out {
                XCTAssertFalse(y[j].isNaN, "\(out)×\(k): NaN at \(j)")
                XCTAssertEqual(Double(y[j]), want[j], accuracy: 1e-5 * max(1, abs(want[j])), "\(out)×\(k) row \(j)")
            }
        }
        let (y, _) = run(out: 9, k: 200, avx512: false, nanAt: 4)
        XCTAssertEqual(y.indices.filter { y[$0].isNaN }, [4], "a NaN weight reaches its own row only")
    }

    func testSameFloatsAsTheAVX512Build() throws {
        try XCTSkipUnless(VectorISA.avx512 && VectorISA.avx2Kernels, "needs a CPU with AVX-512 (the AVX-512 build runs there only)")
        for (out, k) in [(1000, 1280), (10, 2048), (7, 33)] { XCTAssertEqual(run(out: out, k: k, avx512: false).y, run(out: out, k: k, avx512: true).y) }
    }
}
