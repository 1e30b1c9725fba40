extension AVX2Kernels {
    /// One output row of a max pool over an NHWC image, 8 channels per ymm register: y[ow] = max over the window's taps
    /// inside the image (padding never wins), taps row by row, each row left to right — `Pooling.maxPool`'s order.
    ///
    /// - image: [H, W, C] of one image, C a multiple of 8; rows: the window's rows inside the image (already clipped).
    /// - y: [outWidth, C] of this output row; window ow starts at column ow · strideW − padLeft.
    ///
    /// Each max is `acc > tap ? acc : tap`, so a tie (+0 against −0) keeps the later tap, as Swift's `max(acc, tap)`
    /// does: the same floats as `Pooling.maxPool`'s loop; only a NaN may differ (here the tap wins).
    public static func maxPoolRow(_ image: UnsafePointer<Float>, width w: Int, channels c: Int, rows: Range<Int>, outWidth: Int,
                                  kernelW: Int, strideW: Int, padLeft: Int, into y: UnsafeMutablePointer<Float>) {
        for ow in 0..<outWidth {
            let x0 = ow * strideW - padLeft
            let cols = max(x0, 0)..<min(x0 + kernelW, w)
            let out = y + ow * c
            var cb = 0
            while cb + 32 <= c {               // four registers at a time: four independent chains
                var m0 = F8(repeating: -.infinity), m1 = m0, m2 = m0, m3 = m0
                for iy in rows {
                    for ix in cols {
                        let v = image + (iy * w + ix) * c + cb
                        m0 = larger(m0, load(v)); m1 = larger(m1, load(v + 8))
                        m2 = larger(m2, load(v + 16)); m3 = larger(m3, load(v + 24))
                    }
                }
                store(m0, out + cb); store(m1, out + cb + 8); store(m2, out + cb + 16); store(m3, out + cb + 24)
                cb += 32
            }
            while cb < c {
                var m = F8(repeating: -.infinity)
                for iy in rows {
                    for ix in cols { m = larger(m, load(image + (iy * w + ix) * c + cb)) }
                }
                store(m, out + cb)
                cb += 8
            }
        }
    }

    /// `acc > tap ? acc : tap` per lane (vmaxps acc, tap): Swift's `max(acc, tap)` for all but NaN.
    @inline(__always)
    private static func larger(_ acc: F8, _ tap: F8) -> F8 { tap.replacing(with: acc, where: acc .> tap) }
}
