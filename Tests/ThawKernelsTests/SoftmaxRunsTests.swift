import ThawBLAS
import ThawKernelsAVX2
import XCTest

/// Softmax rows with their exponentials in passes (`AVX2Kernels.softmaxInPasses`) against one chain per vector: the same
/// bits for row lengths that leave every tail 0…7 and runs of 1…16 vectors, with and without a mask bias, on scores
/// spanning exp's range (rows whose smaller entries underflow to 0) and on ±0 and denormal entries.
final class SoftmaxRunsTests: XCTestCase {
    override func tearDown() { AVX2Kernels.softmaxInPasses = true }

    func testPassesGiveTheOneChainBits() throws {
        guard CPUFeatures.current.hasAVX2FMA else { throw XCTSkip("this CPU has no AVX2+FMA") }
        var s: UInt64 = 17
        func next() -> Float {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(s >> 40) / Float(1 << 24)
        }
        let special: [Float] = [0, -0, .leastNonzeroMagnitude, -.leastNormalMagnitude / 3, -87.3, -87.4, -88, 88.3, 90]
        for count in Array(1...140) + [255, 257] {
            for masked in [false, true] {
                let scale: Float = count % 3 == 0 ? 200 : 8                 // × 200: most entries underflow
                var x = (0..<count).map { _ in (next() - 0.5) * scale }
                if count > 10 { x[count / 2] = special[count % special.count]; x[1] = special[(count / 3) % special.count] }
                let bias = (0..<count).map { i -> Float in masked && i % 5 == 4 ? -10_000 : 0 }
                func run(_ passes: Bool) -> [Float] {
                    AVX2Kernels.softmaxInPasses = passes
                    var row = x
                    row.withUnsafeMutableBufferPointer { r in bias.withUnsafeBufferPointer { b in
                        AVX2Kernels.softmaxRow(r.baseAddress!, count: count, adding: masked ? b.baseAddress! : nil)
                    } }
                    return row
                }
                let want = run(false), got = run(true)
                for i in 0..<count where want[i].bitPattern != got[i].bitPattern {
                    XCTFail("count \(count), masked \(masked): p[\(i)] passes \(got[i]), one chain \(want[i])")
                    break
                }
            }
        }
    }
}
