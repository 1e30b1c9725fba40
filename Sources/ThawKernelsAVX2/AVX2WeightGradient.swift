extension AVX2Kernels {
    /// Pixels summed per pass over a tile (`weightGradient`), as the AVX-512 build: a 64-column slice of dy over
    /// this many pixels (32 KiB) stays in L1/L2 while every channel block of the tile reads it.
    public static let weightGradientPixelBlock = 128

    /// The AVX2 build of `AVX512Kernels.weightGradient` (same arguments, same floats): a 1×1 convolution's weight
    /// gradient over a whole chunk, accumulated in place,
    ///   dw[i, j] += Σ_r x[r, i] · dy[r, j]   for channels i in `channels`, columns j of the 64-column panels `panels`
    ///   x [pixels, ldx ≥ Cin], dy [pixels, ldy ≥ Cout] (panel p reads columns 64p..<64p+64), dw [Cin, ldw].
    /// Blocks of 6 channels × 16 columns keep 12 ymm accumulators over a run of `weightGradientPixelBlock` pixels
    /// (plus two dy vectors and one broadcast: 15 of 16 registers), then add them to dw; a block's four quarters
    /// of the panel run back to back. Per output: one fused multiply-add per pixel in order, runs added to dw one
    /// after another — the AVX-512 build's order, so the same floats. With `weightGradientPacked` (default) the
    /// operands are packed first (`packedWeightGradient`, the same floats).
    public static func weightGradient(x: UnsafePointer<Float>, ldx: Int, dy: UnsafePointer<Float>, ldy: Int, pixels: Int,
                                      channels: Range<Int>, panels: Range<Int>, dw: UnsafeMutablePointer<Float>, ldw: Int) {
        if weightGradientPacked {
            packedWeightGradient(x: x, ldx: ldx, dy: dy, ldy: ldy, pixels: pixels, channels: channels, panels: panels,
                                 dw: dw, ldw: ldw)
            return
        }
        let kc = weightGradientPixelBlock
        // The run's 64 columns of dy copied contiguous first ([kc][64], 32 KiB): rows read in place at a stride of
        // Cout floats fall into a few of L1's sets and evict each other.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: kc * 64) { buffer in
            let slice = buffer.baseAddress!
            for p in panels {
                let col = p * 64
                var r0 = 0
                while r0 < pixels {
                    let run = min(kc, pixels - r0)
                    for r in 0..<run { (slice + r * 64).update(from: dy + (r0 + r) * ldy + col, count: 64) }
                    var i = channels.lowerBound
                    while i < channels.upperBound {
                        let count = min(6, channels.upperBound - i)
                        for q in 0..<4 {
                            gradientBlock(x + r0 * ldx + i, ldx, slice + q * 16, 64, run, count, dw + i * ldw + col + q * 16, ldw)
                        }
                        i += count
                    }
                    r0 += run
                }
            }
        }
    }

    /// dw[t, 0..<16] += Σ_r x[r, t] · dy[r, 0..<16] for t < count ≤ 6 over `run` pixels. Blocks shorter than 6
    /// repeat their last channel (computed, never stored).
    @inline(__always)
    private static func gradientBlock(_ x: UnsafePointer<Float>, _ ldx: Int, _ dy: UnsafePointer<Float>, _ ldy: Int, _ run: Int,
                                      _ count: Int, _ dw: UnsafeMutablePointer<Float>, _ ldw: Int) {
        let last = count - 1
        let o1 = min(1, last), o2 = min(2, last), o3 = min(3, last), o4 = min(4, last), o5 = min(5, last)
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8()
        var c30 = F8(), c31 = F8(), c40 = F8(), c41 = F8(), c50 = F8(), c51 = F8()
        var xr = x, gr = dy
        for _ in 0..<run {
            let b0 = load(gr), b1 = load(gr + 8)
            var v = F8(repeating: xr[0])
            c00 = c00.addingProduct(v, b0); c01 = c01.addingProduct(v, b1)
            v = F8(repeating: xr[o1])
            c10 = c10.addingProduct(v, b0); c11 = c11.addingProduct(v, b1)
            v = F8(repeating: xr[o2])
            c20 = c20.addingProduct(v, b0); c21 = c21.addingProduct(v, b1)
            v = F8(repeating: xr[o3])
            c30 = c30.addingProduct(v, b0); c31 = c31.addingProduct(v, b1)
            v = F8(repeating: xr[o4])
            c40 = c40.addingProduct(v, b0); c41 = c41.addingProduct(v, b1)
            v = F8(repeating: xr[o5])
            c50 = c50.addingProduct(v, b0); c51 = c51.addingProduct(v, b1)
            xr += ldx; gr += ldy
        }
        @inline(__always)
        func add(_ t: Int, _ v0: F8, _ v1: F8) {
            guard t < count else { return }
            let o = dw + t * ldw
            store(load(o) + v0, o); store(load(o + 8) + v1, o + 8)
        }
        add(0, c00, c01); add(1, c10, c11); add(2, c20, c21); add(3, c30, c31); add(4, c40, c41); add(5, c50, c51)
    }
}
