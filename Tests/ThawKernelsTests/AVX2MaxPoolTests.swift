import XCTest
import ThawBLAS
import ThawKernels

/// `Pooling.maxPool` through `AVX2Kernels.maxPoolRow` (the AVX2 build, run on AVX-512 CPUs too) against the generic loop bit for bit and
/// against a plain reference (max is exact: equal floats), over channel counts that take four-register blocks, single
/// registers and both, with padding, odd sizes, and ties of +0 and −0 (a tie keeps the later tap in both paths).
final class AVX2MaxPoolTests: XCTestCase {
    struct Case { let n, h, w, c, kernel, stride, pad: Int }

    static let cases = [Case(n: 2, h: 13, w: 11, c: 64, kernel: 3, stride: 2, pad: 1),    // ResNet's stem pool, small
                        Case(n: 1, h: 9, w: 12, c: 40, kernel: 3, stride: 2, pad: 1),     // 32 + 8 channels
                        Case(n: 3, h: 8, w: 8, c: 8, kernel: 2, stride: 2, pad: 0),
                        Case(n: 1, h: 7, w: 6, c: 96, kernel: 3, stride: 1, pad: 1)]

    func pool(_ t: Case, _ x: [Float], avx2: Bool) -> [Float] {
        let saved = Pooling.avx2MaxPool
        Pooling.avx2MaxPool = avx2
        defer { Pooling.avx2MaxPool = saved }
        let oh = (t.h + 2 * t.pad - t.kernel) / t.stride + 1, ow = (t.w + 2 * t.pad - t.kernel) / t.stride + 1
        var y = [Float](repeating: .nan, count: t.n * oh * ow * t.c)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
            Pooling.maxPool(xb.baseAddress!, batch: t.n, height: t.h, width: t.w, channels: t.c, kernel: t.kernel,
                            stride: t.stride, padding: .symmetric(t.pad), into: yb.baseAddress!)
        } }
        return y
    }

    func testTheAVX2RowsMatchTheLoopAndTheReference() throws {
        // The AVX2 build on any CPU that has it (AVX-512 CPUs too, with `avx512` off for the test).
        try XCTSkipUnless(CPUFeatures.current.hasAVX2FMA, "this CPU has no AVX2+FMA")
        try KernelBuild.avx2.run { try checkTheAVX2RowsMatchTheLoopAndTheReference() }
    }

    private func checkTheAVX2RowsMatchTheLoopAndTheReference() throws {
        var rng = AVX2PanelGEMMTests.Seeded(seed: 7)
        for t in Self.cases {
            // A third zeros of either sign (ties after a ReLU), the rest random.
            let x = (0..<t.n * t.h * t.w * t.c).map { _ -> Float in
                let u = Float.random(in: 0..<1, using: &rng)
                return u < 0.15 ? 0 : u < 0.3 ? -0.0 : Float.random(in: -2...2, using: &rng)
            }
            let fast = pool(t, x, avx2: true), loop = pool(t, x, avx2: false)
            XCTAssertEqual(fast.map(\.bitPattern), loop.map(\.bitPattern), "\(t): AVX2 rows against the loop, bit for bit")
            let oh = (t.h + 2 * t.pad - t.kernel) / t.stride + 1, ow = (t.w + 2 * t.pad - t.kernel) / t.stride + 1
            for i in 0..<t.n { for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<t.c {
                var want = -Float.infinity
                for ky in 0..<t.kernel { for kx in 0..<t.kernel {
                    let iy = oy * t.stride - t.pad + ky, ix = ox * t.stride - t.pad + kx
                    if iy >= 0 && iy < t.h && ix >= 0 && ix < t.w { want = max(want, x[((i * t.h + iy) * t.w + ix) * t.c + ch]) }
                } }
                XCTAssertEqual(fast[((i * oh + oy) * ow + ox) * t.c + ch], want, "\(t) at image \(i) (\(oy), \(ox)) channel \(ch)")
            } } } }
        }
    }
}
