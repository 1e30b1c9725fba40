import CPrefetch

extension AVX2Kernels {
    /// Whether `weightGradient` runs on packed operands (`packedWeightGradient`) instead of reading x and dy in place
    /// (the tiles below in AVX2WeightGradient.swift). The same floats either way. Read per call.
    nonisolated(unsafe) public static var weightGradientPacked = true
    /// Whether each 6×16 block of `packedWeightGradient` prefetches its six dw lines into L1 before its pixel loop, so
    /// the epilogue's loads (dw + sum) do not wait on L2 (a tile's dw, packed xᵀ and dy strips fill most of it). On by
    /// default: 1.01–1.04× per CPU-second on Lite0's four shapes, two sessions of 21 rounds (`thaw-finetune-bench --dw`).
    /// The same floats. Read per call.
    nonisolated(unsafe) public static var weightGradientPrefetchOut = true

    /// `weightGradient` on operands packed per run of `weightGradientPixelBlock` pixels, the AVX2 panel GEMM's block
    /// with xᵀ as its rows:
    ///   xᵀ of the tile's channels → `a` [⌈channels/6⌉][run][6] (six channels of a pixel side by side, the last block
    ///        zero-padded): a block's broadcasts come in order from one contiguous 3 KiB micro-panel;
    ///   dy of the tile's columns  → `b` [columns/16][run][16]: each 16-column strip contiguous (8 KiB, stays in L1
    ///        while every channel block of the tile reads it).
    /// Read in place, x's 6-float groups sit one row of x apart (768 B–4.5 KiB), which at C ≥ 1,152 folds 128 pixels
    /// into 8 of L1's 64 sets, and dy's quarters 256 B apart; packed, both stream. Per tile and run the packed
    /// operands take ≤ 160 KiB + 96 KiB on Lite0's shapes (L2: 512 KiB).
    ///
    /// Per output: from zero, one fused multiply-add per pixel of the run in order, then dw + sum, runs one after
    /// another — `AVX512Kernels.weightGradient`'s order, so the same floats as both the in-place tiles and the
    /// AVX-512 build.
    public static func packedWeightGradient(x: UnsafePointer<Float>, ldx: Int, dy: UnsafePointer<Float>, ldy: Int, pixels: Int,
                                            channels: Range<Int>, panels: Range<Int>, dw: UnsafeMutablePointer<Float>, ldw: Int) {
        guard !channels.isEmpty, !panels.isEmpty, pixels > 0 else { return }
        // Runs of 256 or 512 pixels (fewer adds to dw, other floats) measured no faster: 0.87–0.92× OpenBLAS as 128.
        let kc = weightGradientPixelBlock
        let blocks = (channels.count + 5) / 6
        let col0 = panels.lowerBound * 64, strips = panels.count * 4
        let aFloats = blocks * kc * 6, bFloats = strips * kc * 16
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: (aFloats + bFloats) * 4, alignment: 64)
        defer { scratch.deallocate() }
        let a = scratch.bindMemory(to: Float.self, capacity: aFloats + bFloats), b = a + aFloats
        var r0 = 0
        while r0 < pixels {
            let run = min(kc, pixels - r0)
            packWeightGradientChannels(x: x + r0 * ldx + channels.lowerBound, ldx: ldx, room: ldx - channels.lowerBound,
                                       pixels: run, count: channels.count, into: a, blockStride: run * 6)
            packStrips(dy + r0 * ldy + col0, ldy, run, strips, b)
            runBlocks(a, run * 6, channels, b, run, strips, dw + col0, ldw, weightGradientPrefetchOut)
            r0 += run
        }
    }

    /// One run over a tile: dw[channels, 16s ..< 16s + 16] += Σ_r xᵀ · dy for every strip s, strip outer (it stays in
    /// L1), channel blocks inner (streamed from L2). `a`: block k (channels lowerBound + 6k ..< + 6) at a + k·blockStride;
    /// `b` [strips][run][16]; `dw` at the tile's first column.
    @inline(__always)
    private static func runBlocks(_ a: UnsafePointer<Float>, _ blockStride: Int, _ channels: Range<Int>,
                                  _ b: UnsafePointer<Float>, _ run: Int, _ strips: Int, _ dw: UnsafeMutablePointer<Float>,
                                  _ ldw: Int, _ prefetch: Bool) {
        let blocks = (channels.count + 5) / 6
        for s in 0..<strips {
            let strip = b + s * run * 16, out = dw + s * 16
            for blk in 0..<blocks {
                let c = channels.lowerBound + blk * 6
                if prefetch {
                    let o = out + c * ldw
                    thaw_prefetch_l1(o); thaw_prefetch_l1(o + ldw); thaw_prefetch_l1(o + 2 * ldw)
                    thaw_prefetch_l1(o + 3 * ldw); thaw_prefetch_l1(o + 4 * ldw); thaw_prefetch_l1(o + 5 * ldw)
                }
                gradientBlock6(a + blk * blockStride, strip, run, min(6, channels.upperBound - c), out + c * ldw, ldw)
            }
        }
    }

    /// a[k·blockStride + 6r + t] = x[r, 6k + t] for r < pixels, 6k + t < count (x at stride ldx, `room` ≥ count floats of
    /// each row readable from x), channels past `count` zero. Whole blocks whose 8 floats from their first channel lie
    /// inside the row (`room`) move as one ymm load and store per pixel, pixels in order (each store's last two floats
    /// are the next pixel's first two, rewritten next), the last pixel float by float (nothing written past the block's
    /// pixels); other blocks float by float. Scalar moves for every block measured 0.92–0.96× in tiles that pack all
    /// channels. (Packing xᵀ once per call for all tiles, [⌈Cin/6⌉][pixels][6], measured 1.01–1.02× on one thread where
    /// tiles share channels (192→1152, 320→1280) but 0.85–0.92× at Cin 1,152, whose 7 MiB of packed xᵀ leave L2: dropped.)
    static func packWeightGradientChannels(x: UnsafePointer<Float>, ldx: Int, room: Int, pixels: Int, count: Int,
                                                  into a: UnsafeMutablePointer<Float>, blockStride: Int) {
        let blocks = (count + 5) / 6
        for blk in 0..<blocks {
            let c = blk * 6, n = min(6, count - c)
            var src = x + c, dst = a + blk * blockStride
            var scalar = pixels
            if n == 6 && c + 8 <= room && pixels > 1 {
                for _ in 0..<(pixels - 1) { store(load(src), dst); src += ldx; dst += 6 }
                scalar = 1
            }
            for _ in 0..<scalar {
                for t in 0..<6 { dst[t] = t < n ? src[t] : 0 }
                src += ldx; dst += 6
            }
        }
    }

    /// b [strips][run][16] = dy[r, 16s ..< 16s + 16] for r < run (dy at stride ldy).
    @inline(__always)
    private static func packStrips(_ dy: UnsafePointer<Float>, _ ldy: Int, _ run: Int, _ strips: Int,
                                   _ b: UnsafeMutablePointer<Float>) {
        for r in 0..<run {
            let row = dy + r * ldy
            var dst = b + r * 16
            for s in 0..<strips {
                store(load(row + s * 16), dst); store(load(row + s * 16 + 8), dst + 8)
                dst += run * 16
            }
        }
    }

    /// dw[t, 0..<16] += Σ_r a[r][t] · b[r][0..<16] for t < count ≤ 6 (rows past it: the zero padding, computed, not
    /// stored) over `run` pixels: 12 accumulators, per pixel two strip loads and six broadcasts from consecutive floats
    /// (`AVX2PanelGEMM`'s 6-row block, one k index).
    @inline(__always)
    private static func gradientBlock6(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ run: Int, _ count: Int,
                                       _ dw: UnsafeMutablePointer<Float>, _ ldw: Int) {
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8()
        var c30 = F8(), c31 = F8(), c40 = F8(), c41 = F8(), c50 = F8(), c51 = F8()
        for k in 0..<run {
            let ak = a + 6 * k, bk = b + 16 * k
            let b0 = load(bk), b1 = load(bk + 8)
            var v = F8(repeating: ak[0]); c00 = c00.addingProduct(v, b0); c01 = c01.addingProduct(v, b1)
            v = F8(repeating: ak[1]); c10 = c10.addingProduct(v, b0); c11 = c11.addingProduct(v, b1)
            v = F8(repeating: ak[2]); c20 = c20.addingProduct(v, b0); c21 = c21.addingProduct(v, b1)
            v = F8(repeating: ak[3]); c30 = c30.addingProduct(v, b0); c31 = c31.addingProduct(v, b1)
            v = F8(repeating: ak[4]); c40 = c40.addingProduct(v, b0); c41 = c41.addingProduct(v, b1)
            v = F8(repeating: ak[5]); c50 = c50.addingProduct(v, b0); c51 = c51.addingProduct(v, b1)
        }
        addRow(c00, c01, dw)
        if count > 1 { addRow(c10, c11, dw + ldw) }
        if count > 2 { addRow(c20, c21, dw + 2 * ldw) }
        if count > 3 { addRow(c30, c31, dw + 3 * ldw) }
        if count > 4 { addRow(c40, c41, dw + 4 * ldw) }
        if count > 5 { addRow(c50, c51, dw + 5 * ldw) }
    }

    /// out[0..<16] += (v0, v1), inlined into the block (a call per row would spill the other accumulators).
    @_transparent
    static func addRow(_ v0: F8, _ v1: F8, _ out: UnsafeMutablePointer<Float>) {
        store(load(out) + v0, out); store(load(out + 8) + v1, out + 8)
    }
}
