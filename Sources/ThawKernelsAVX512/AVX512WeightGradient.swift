extension AVX512Kernels {
    /// Pixels summed per pass over a tile (`weightGradient`): a 64-column slice of dy over this many pixels
    /// (32 KiB) stays in L1/L2 while every 6-channel block of the tile reads it.
    public static let weightGradientPixelBlock = 128

    /// The weight gradient of a 1×1 convolution over a whole chunk, accumulated in place:
    ///   dw[i, j] += Σ_r x[r, i] · dy[r, j]   for channels i in `channels`, columns j of the 64-column panels `panels`
    ///   x  [pixels, ldx ≥ Cin]   the forward input (NHWC rows)
    ///   dy [pixels, ldy ≥ Cout]  the output gradient; panel p reads columns 64p..<64p+64 (all of them must exist)
    ///   dw [Cin, ldw]            Conv2D's GEMM layout [Cin, Cout]
    /// Neither operand is transposed: per pixel, six consecutive input channels are broadcast
    /// from one row of x and four zmm of dy are loaded, so a 6 × 64 block keeps 24 accumulators over a run
    /// of `weightGradientPixelBlock` pixels, then adds them to dw (loaded and stored once per run).
    /// Channel blocks shorter than 6 repeat their last channel (computed, never stored). Summation order:
    /// pixels in order within a run, runs added to dw one after another (float rounding differs from BLAS).
    public static func weightGradient(x: UnsafePointer<Float>, ldx: Int, dy: UnsafePointer<Float>, ldy: Int, pixels: Int,
                                      channels: Range<Int>, panels: Range<Int>, dw: UnsafeMutablePointer<Float>, ldw: Int) {
        let kc = weightGradientPixelBlock
        // The run's 64 columns of dy copied contiguous first ([kc][64], 32 KiB): read in place at a stride of
        // Cout floats (4.5 KiB for 1,152 channels) its rows fall into a quarter of L1's sets and evict each other.
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
                        gradientBlock(x + r0 * ldx + i, ldx, slice, 64, run, count, dw + i * ldw + col, ldw)
                        i += count
                    }
                    r0 += run
                }
            }
        }
    }

    /// dw[t, 0..<64] += Σ_r x[r, t] · dy[r, 0..<64] for t < count ≤ 6 over `run` pixels.
    @inline(__always)
    private static func gradientBlock(_ x: UnsafePointer<Float>, _ ldx: Int, _ dy: UnsafePointer<Float>, _ ldy: Int, _ run: Int,
                                      _ count: Int, _ dw: UnsafeMutablePointer<Float>, _ ldw: Int) {
        let last = count - 1
        let o1 = min(1, last), o2 = min(2, last), o3 = min(3, last), o4 = min(4, last), o5 = min(5, last)
        var c00 = F16(), c01 = F16(), c02 = F16(), c03 = F16()
        var c10 = F16(), c11 = F16(), c12 = F16(), c13 = F16()
        var c20 = F16(), c21 = F16(), c22 = F16(), c23 = F16()
        var c30 = F16(), c31 = F16(), c32 = F16(), c33 = F16()
        var c40 = F16(), c41 = F16(), c42 = F16(), c43 = F16()
        var c50 = F16(), c51 = F16(), c52 = F16(), c53 = F16()
        var xr = x, gr = dy
        for _ in 0..<run {
            let b0 = load(gr), b1 = load(gr + 16), b2 = load(gr + 32), b3 = load(gr + 48)
            var v = F16(repeating: xr[0])
            c00 = c00.addingProduct(v, b0); c01 = c01.addingProduct(v, b1); c02 = c02.addingProduct(v, b2); c03 = c03.addingProduct(v, b3)
            v = F16(repeating: xr[o1])
            c10 = c10.addingProduct(v, b0); c11 = c11.addingProduct(v, b1); c12 = c12.addingProduct(v, b2); c13 = c13.addingProduct(v, b3)
            v = F16(repeating: xr[o2])
            c20 = c20.addingProduct(v, b0); c21 = c21.addingProduct(v, b1); c22 = c22.addingProduct(v, b2); c23 = c23.addingProduct(v, b3)
            v = F16(repeating: xr[o3])
            c30 = c30.addingProduct(v, b0); c31 = c31.addingProduct(v, b1); c32 = c32.addingProduct(v, b2); c33 = c33.addingProduct(v, b3)
            v = F16(repeating: xr[o4])
            c40 = c40.addingProduct(v, b0); c41 = c41.addingProduct(v, b1); c42 = c42.addingProduct(v, b2); c43 = c43.addingProduct(v, b3)
            v = F16(repeating: xr[o5])
            c50 = c50.addingProduct(v, b0); c51 = c51.addingProduct(v, b1); c52 = c52.addingProduct(v, b2); c53 = c53.addingProduct(v, b3)
            xr += ldx; gr += ldy
        }
        @inline(__always)
        func add(_ t: Int, _ v0: F16, _ v1: F16, _ v2: F16, _ v3: F16) {
            guard t < count else { return }
            let o = dw + t * ldw
            store(load(o) + v0, o); store(load(o + 16) + v1, o + 16); store(load(o + 32) + v2, o + 32); store(load(o + 48) + v3, o + 48)
        }
        add(0, c00, c01, c02, c03); add(1, c10, c11, c12, c13); add(2, c20, c21, c22, c23)
        add(3, c30, c31, c32, c33); add(4, c40, c41, c42, c43); add(5, c50, c51, c52, c53)
    }
}
