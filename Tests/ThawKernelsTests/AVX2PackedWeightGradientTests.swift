import XCTest
import ThawBLAS
import ThawKernels
import ThawKernelsAVX2
import ThawKernelsAVX512

/// `AVX2Kernels.weightGradient` on packed operands (`weightGradientPacked`, the default) against the same kernel reading
/// x and dy in place (bit for bit: the same order per output), a float64 reference and one OpenBLAS call (to float
/// rounding), and on an AVX-512 CPU the AVX-512 build (bit for bit). Cases cover channel ranges that start inside the
/// map and end in a partial 6-channel block, panel ranges that skip panels, pixel counts around the 128-pixel run,
/// row strides wider than the channels, and dw accumulating onto earlier values.
final class AVX2PackedWeightGradientTests: XCTestCase {
    /// x [pixels, ldx], dy [pixels, ldy]; dw [cin, ldy] over `channels` × the 64-column `panels`.
    struct Case { let pixels, cin, ldx, cout: Int; let channels: Range<Int>; let panels: Range<Int> }

    static let cases: [Case] = [
        Case(pixels: 1568, cin: 192, ldx: 192, cout: 1152, channels: 0..<192, panels: 2..<5),     // Lite0 expand, a tile
        Case(pixels: 1568, cin: 1152, ldx: 1152, cout: 320, channels: 288..<576, panels: 2..<5),  // project 15
        Case(pixels: 1568, cin: 320, ldx: 320, cout: 1280, channels: 0..<320, panels: 0..<2),     // head: 53 blocks + 2
        Case(pixels: 129, cin: 70, ldx: 75, cout: 128, channels: 3..<70, panels: 0..<2),          // 67 channels: 11 + 1
        Case(pixels: 128, cin: 64, ldx: 64, cout: 192, channels: 5..<10, panels: 1..<3),          // one partial block
        Case(pixels: 127, cin: 13, ldx: 16, cout: 64, channels: 0..<13, panels: 0..<1),
        Case(pixels: 1, cin: 6, ldx: 6, cout: 64, channels: 0..<6, panels: 0..<1),
        Case(pixels: 300, cin: 64, ldx: 64, cout: 256, channels: 0..<1, panels: 3..<4),           // a single channel
    ]

    struct Result { var packed: [Float]; var inPlace: [Float]; var blas: [Float]; var avx512: [Float]?; var want: [Double] }

    func run(_ t: Case, seed: UInt64) -> Result {
        let x = FiniteDifference.random(t.pixels * t.ldx, seed: seed), dy = FiniteDifference.random(t.pixels * t.cout, seed: seed + 1)
        let start = FiniteDifference.random(t.cin * t.cout, seed: seed + 2, scale: 0.5)     // gradients accumulate onto dw
        func kernel(packed: Bool) -> [Float] {
            let saved = AVX2Kernels.weightGradientPacked
            defer { AVX2Kernels.weightGradientPacked = saved }
            AVX2Kernels.weightGradientPacked = packed
            var dw = start
            AVX2Kernels.weightGradient(x: x, ldx: t.ldx, dy: dy, ldy: t.cout, pixels: t.pixels, channels: t.channels,
                                       panels: t.panels, dw: &dw, ldw: t.cout)
            return dw
        }
        var want = start.map(Double.init)
        let cols = (t.panels.lowerBound * 64)..<(t.panels.upperBound * 64)
        for r in 0..<t.pixels {
            for i in t.channels {
                let xi = Double(x[r * t.ldx + i])
                for j in cols { want[i * t.cout + j] += xi * Double(dy[r * t.cout + j]) }
            }
        }
        // One OpenBLAS call on the covered block: dw[channels, cols] += xᵀ · dy.
        var blas = start
        x.withUnsafeBufferPointer { xb in dy.withUnsafeBufferPointer { gb in blas.withUnsafeMutableBufferPointer { cb in
            BLAS.sgemm(transA: true, m: t.channels.count, n: cols.count, k: t.pixels, a: xb.baseAddress! + t.channels.lowerBound,
                       lda: t.ldx, b: gb.baseAddress! + cols.lowerBound, ldb: t.cout, beta: 1,
                       c: cb.baseAddress! + t.channels.lowerBound * t.cout + cols.lowerBound, ldc: t.cout)
        } } }
        var avx512: [Float]?
        if CPUFeatures.current.hasAVX512 {
            var dw = start
            AVX512Kernels.weightGradient(x: x, ldx: t.ldx, dy: dy, ldy: t.cout, pixels: t.pixels, channels: t.channels,
                                         panels: t.panels, dw: &dw, ldw: t.cout)
            avx512 = dw
        }
        return Result(packed: kernel(packed: true), inPlace: kernel(packed: false), blas: blas, avx512: avx512, want: want)
    }

    /// Largest |a − b| over the covered block, relative to the block's largest |want|; untouched entries must equal `start`.
    func relativeError(_ a: [Float], _ want: [Double]) -> Double {
        let scale = max(want.map(abs).max() ?? 1, 1e-30)
        // A NaN anywhere makes the result NaN (so every `<` on it fails); `max()` would skip it.
        return zip(a, want).reduce(0.0) { worst, p in let e = abs(Double(p.0) - p.1); return worst.isNaN || e <= worst ? worst : e } / scale
    }

    func testPackedMatchesInPlaceAndReferences() throws {
        try XCTSkipUnless(CPUFeatures.current.hasAVX2FMA, "the AVX2 build needs AVX2+FMA")
        var worstPacked = 0.0, worstBLAS = 0.0, worstPackedVsBLAS = 0.0
        for (n, t) in Self.cases.enumerated() {
            let r = run(t, seed: UInt64(700 + 10 * n))
            let label = "dW \(t.pixels) px, channels \(t.channels) of \(t.cin), panels \(t.panels)"
            XCTAssertEqual(r.packed, r.inPlace, "\(label): packed operands must give the in-place tiles' floats")
            if let a = r.avx512 { XCTAssertEqual(r.packed, a, "\(label): the AVX-512 build's floats") }
            let e = relativeError(r.packed, r.want), b = relativeError(r.blas, r.want)
            let pb = relativeError(r.packed, r.blas.map(Double.init))
            worstPacked = max(worstPacked, e); worstBLAS = max(worstBLAS, b); worstPackedVsBLAS = max(worstPackedVsBLAS, pb)
            // fp32 sums of ≤ 1,568 unit-size products: ~1e-6 of the largest value; a lost run or block is O(1).
            XCTAssertLessThan(e, 1e-5, "\(label): against float64")
            XCTAssertLessThan(pb, 2e-5, "\(label): against OpenBLAS")
        }
        print(String(format: "AVX2 packed dW: max error relative to the largest value, vs float64 %.2e (OpenBLAS %.2e), vs OpenBLAS %.2e",
                     worstPacked, worstBLAS, worstPackedVsBLAS))
    }

    /// A NaN in x or dy reaches exactly the dw entries of its channel or column (the zero padding of a partial block
    /// and the packing copy nothing else).
    func testNaNStaysInItsRowAndColumn() throws {
        try XCTSkipUnless(CPUFeatures.current.hasAVX2FMA, "the AVX2 build needs AVX2+FMA")
        let (pixels, cin, cout) = (200, 20, 128)
        var x = FiniteDifference.random(pixels * cin, seed: 41), dy = FiniteDifference.random(pixels * cout, seed: 42)
        x[150 * cin + 19] = .nan      // channel 19: the last of a partial block (18, 19)
        dy[3 * cout + 70] = .nan      // column 70
        var dw = [Float](repeating: 0, count: cin * cout)
        AVX2Kernels.weightGradient(x: x, ldx: cin, dy: dy, ldy: cout, pixels: pixels, channels: 0..<cin, panels: 0..<2,
                                   dw: &dw, ldw: cout)
        for i in 0..<cin {
            for j in 0..<cout {
                XCTAssertEqual(dw[i * cout + j].isNaN, i == 19 || j == 70, "dw[\(i), \(j)]")
            }
        }
    }
}
