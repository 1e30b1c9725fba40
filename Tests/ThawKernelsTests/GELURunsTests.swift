import ThawBLAS
import ThawKernelsAVX2
import XCTest

/// The AVX2 GELU in passes over a scratch (`geluInRuns`) against its one-chain loop (`geluInOneChain`): the same bits on
/// every input — ±0, denormals, huge, ±∞, NaN (as NaN), values past exp's range — for counts that leave every tail 0…7 and runs
/// of 1…8 vectors, out of place and in place, from unaligned starts.
final class GELURunsTests: XCTestCase {
    private func random(_ n: Int, seed: UInt64) -> [Float] {
        var s = seed
        let special: [Float] = [0, -0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude / 3,
                                -.leastNormalMagnitude / 7, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                .infinity, -.infinity, .nan, -.nan, 1e20, -1e20, 13.3, -13.3, 14, -14, 200, -200, 1e-30]
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let u = Float(s >> 40) / Float(1 << 24)
            switch s >> 61 {
            case 0: return special[Int((s >> 32) % UInt64(special.count))]
            case 1: return (u - 0.5) * 60                                   // past erfc's exp range on both sides
            default: return (u - 0.5) * 10
            }
        }
    }

    private func same(_ a: [Float], _ b: [Float], _ what: String) {
        // A NaN's sign and payload follow the operand order LLVM picks for commutative operations (x86 returns its first
        // NaN operand), which differs between builds of the same expression: any NaN matches any NaN.
        for i in a.indices where a[i].bitPattern != b[i].bitPattern && !(a[i].isNaN && b[i].isNaN) {
            XCTFail("\(what): y[\(i)] passes \(a[i]) (\(a[i].bitPattern)), one chain \(b[i]) (\(b[i].bitPattern))")
            return
        }
    }

    func testPassesGiveTheOneChainBits() throws {
        guard CPUFeatures.current.hasAVX2FMA else { throw XCTSkip("this CPU has no AVX2+FMA") }
        for count in Array(0...80) + [127, 129, 255, 512, 1_021] {
            for offset in [0, 3] {
                let x = random(count + offset, seed: UInt64(count * 31 + offset))
                var want = [Float](repeating: -7, count: count + offset), got = want
                x.withUnsafeBufferPointer { xb in
                    want.withUnsafeMutableBufferPointer {
                        AVX2Kernels.geluInOneChain(x: xb.baseAddress! + offset, count: count, y: $0.baseAddress! + offset)
                    }
                    got.withUnsafeMutableBufferPointer {
                        AVX2Kernels.geluInRuns(x: xb.baseAddress! + offset, count: count, y: $0.baseAddress! + offset)
                    }
                }
                same(got, want, "count \(count), offset \(offset), out of place")
                var inPlace = x
                inPlace.withUnsafeMutableBufferPointer {
                    AVX2Kernels.geluInRuns(x: $0.baseAddress! + offset, count: count, y: $0.baseAddress! + offset)
                }
                same(Array(inPlace[offset...]), Array(want[offset...]), "count \(count), offset \(offset), in place")
            }
        }
    }

    /// `gelu` (what `PanelKernel.gelu` and `GELU.forward` call) follows `geluInPasses` and gives the same bits both ways.
    func testSwitchKeepsTheBits() throws {
        guard CPUFeatures.current.hasAVX2FMA else { throw XCTSkip("this CPU has no AVX2+FMA") }
        defer { AVX2Kernels.geluInPasses = true }
        let x = random(1_000, seed: 5)
        var a = [Float](repeating: 0, count: x.count), b = a
        AVX2Kernels.geluInPasses = true
        AVX2Kernels.gelu(x: x, count: x.count, y: &a)
        AVX2Kernels.geluInPasses = false
        AVX2Kernels.gelu(x: x, count: x.count, y: &b)
        same(a, b, "gelu with and without passes")
    }
}
