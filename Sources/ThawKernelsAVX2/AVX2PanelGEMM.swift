import CPrefetch

extension AVX2Kernels {
    /// Columns per packed weight panel: the AVX-512 build's 64 (`AVX512Kernels.panelWidth`), so one packing
    /// serves both builds. Here a panel runs as four quarters of 16 columns (two ymm registers).
    public static let panelWidth = 64
    /// Whether `panelGEMM` prefetches the next row block's A into L2 while a block runs, for K ≤ 512 (1.0–1.15× on
    /// one thread there; 0.96–1.07×, noise, at K ≥ 1024: benchmarks/backbones/README.md). Read per call.
    nonisolated(unsafe) public static var panelPrefetchRows = true
    /// Rows per slab of `panelGEMM`: 0 picks `panelSlabRows(k:)` (≈ 512 KiB of A), `.max` runs each panel over all
    /// rows (the order before slabs), another value that many (at least 6). Read per call.
    nonisolated(unsafe) public static var panelRowSlab = 0

    /// The automatic slab: max(48, 131072 / K) rows rounded down to 6 — A's slab ≈ 512 KiB, read from memory once
    /// and from L2/L3 for the next panels (1.1–1.5× on one thread for M ≥ 6272 and K ≤ 512; neutral at K ≥ 1024).
    static func panelSlabRows(k: Int) -> Int { max(48, 131_072 / max(1, k)) / 6 * 6 }
    /// The bias of layers without one (never written).
    nonisolated(unsafe) static let panelZeros: UnsafeMutablePointer<Float> = {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        p.initialize(repeating: 0, count: 64)
        return p
    }()

    /// C = clamp(A · B + bias + residual, low, high) for `rows` rows over the 64-column panels `panels` of a
    /// weight packed once at load (`packed` [N/64][K][64], as `AVX512Kernels.panelGEMM` takes it): A read in
    /// place and broadcast one value at a time.
    ///
    /// Blocks of 6 rows × 16 columns keep 12 accumulators in ymm registers (plus two weight vectors and one
    /// broadcast: 15 of the 16 registers); a block's four quarters run back to back, so its 6 rows of A stay in
    /// L1 while the panel streams from L2. Leftover rows run as a block of 4, then one at a time. Each output is
    /// the AVX-512 build's arithmetic lane for lane — one fused multiply-add per k in order, + bias, + residual,
    /// clamp — so both builds give the same floats.
    ///
    /// Rows run in slabs of `panelRowSlab` (all panels of a slab before the next slab, so a slab of A is read from
    /// memory once and from L2 for the next panels); `panelPrefetchRows` prefetches the next block's rows of A into
    /// L2 while a block runs (K ≤ 512). Neither changes a float: each output is one chain whatever the order.
    ///
    /// - kBlock: with K > kBlock, each block sums K in passes of kBlock, the first stored with bias and residual,
    ///   each next one added to the stored rows (`AVX512Kernels.panelGEMM`'s rule). Needs no clamp.
    public static func panelGEMM(rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>,
                                 panels: Range<Int>, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                                 residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float, kBlock: Int = .max) {
        precondition(kBlock > 0 && (k <= kBlock || (low == -.infinity && high == .infinity)),
                     "panelGEMM: kBlock \(kBlock) must be positive, and K passes take no clamp")
        let zeros = UnsafePointer(panelZeros), first = min(k, kBlock), prefetch = panelPrefetchRows && k <= 512
        let slab = panelRowSlab == 0 ? panelSlabRows(k: k) : max(6, panelRowSlab)
        var m0 = 0
        while m0 < rows {
            let mEnd = rows - m0 > slab ? m0 + slab : rows
            for p in panels {
                let b = packed + p * k * panelWidth, col = p * panelWidth
                let bp = bias.map { $0 + col } ?? zeros
                var r = m0
                while r < mEnd {
                    let height = mEnd - r >= 6 ? 6 : mEnd - r >= 4 ? 4 : 1
                    let ar = a + r * lda, out = c + r * ldc + col
                    let ahead = prefetch ? min(6, rows - r - height) : 0
                    block(height, ar, lda, b, first, out, ldc, bp, residual.map { $0 + r * ldr + col }, ldr, low, high,
                          ar + height * lda, ahead)
                    var k0 = kBlock
                    while k0 < k {      // the next passes onto C
                        block(height, ar + k0, lda, b + k0 * panelWidth, min(kBlock, k - k0), out, ldc, zeros, UnsafePointer(out),
                              ldc, low, high, ar, 0)
                        k0 += kBlock
                    }
                    r += height
                }
            }
            m0 = mEnd
        }
    }

    /// One block of `height` (6, 4 or 1) rows over a whole 64-column panel, quarter by quarter. Before each
    /// quarter, a quarter of the first `aheadRows` rows of `ahead` (the next block's A, K long) is prefetched into L2.
    @inline(__always)
    private static func block(_ height: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ k: Int,
                              _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                              _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float,
                              _ ahead: UnsafePointer<Float>, _ aheadRows: Int) {
        let span = (k + 63) / 64 * 16     // floats of a row prefetched per quarter: a quarter of its lines
        for q in stride(from: 0, to: panelWidth, by: 16) {
            for row in 0..<aheadRows {
                let p = ahead + row * lda
                var i = q / 16 * span, end = min(k, i + span)
                while i < end { thaw_prefetch_l2(p + i); i += 16 }
            }
            let (bq, cq, biasq, skipq) = (b + q, c + q, bias + q, skip.map { $0 + q })
            switch height {
            case 6: quarter6(a, lda, bq, k, cq, ldc, biasq, skipq, ldr, low, high)
            case 4: quarter4(a, lda, bq, k, cq, ldc, biasq, skipq, ldr, low, high)
            default: quarter1(a, bq, k, cq, biasq, skipq, low, high)
            }
        }
    }

    /// out[0..<16] = clamp(acc + bias (+ skip), low, high) for one row of a quarter, clamped in registers before the
    /// only store (`clamped`: the AVX-512 build's stored-then-clamped floats exactly).
    @inline(__always)
    static func quarterFinish(_ v0: F8, _ v1: F8, _ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                              _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float) {
        var w0 = v0 + load(bias), w1 = v1 + load(bias + 8)
        if let skip { w0 += load(skip); w1 += load(skip + 8) }
        if low != -.infinity || high != .infinity {
            let lo = F8(repeating: low), hi = F8(repeating: high)
            w0 = clamped(w0, lo, hi); w1 = clamped(w1, lo, hi)
        }
        store(w0, out); store(w1, out + 8)
    }

    /// 6 rows × 16 columns: per k two weight loads (stride 64) and six broadcasts into 12 accumulators.
    @inline(__always)
    private static func quarter6(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ k: Int,
                                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                                 _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float) {
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8()
        var c30 = F8(), c31 = F8(), c40 = F8(), c41 = F8(), c50 = F8(), c51 = F8()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var bp = b
        for i in 0..<k {
            let b0 = load(bp), b1 = load(bp + 8)
            var x = F8(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = F8(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = F8(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = F8(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = F8(repeating: a4[i]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = F8(repeating: a5[i]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            bp += panelWidth
        }
        quarterFinish(c00, c01, c, bias, skip, low, high)
        quarterFinish(c10, c11, c + ldc, bias, skip.map { $0 + ldr }, low, high)
        quarterFinish(c20, c21, c + 2 * ldc, bias, skip.map { $0 + 2 * ldr }, low, high)
        quarterFinish(c30, c31, c + 3 * ldc, bias, skip.map { $0 + 3 * ldr }, low, high)
        quarterFinish(c40, c41, c + 4 * ldc, bias, skip.map { $0 + 4 * ldr }, low, high)
        quarterFinish(c50, c51, c + 5 * ldc, bias, skip.map { $0 + 5 * ldr }, low, high)
    }

    @inline(__always)
    private static func quarter4(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ k: Int,
                                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                                 _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float) {
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8(), c30 = F8(), c31 = F8()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
        var bp = b
        for i in 0..<k {
            let b0 = load(bp), b1 = load(bp + 8)
            var x = F8(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = F8(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = F8(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = F8(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            bp += panelWidth
        }
        quarterFinish(c00, c01, c, bias, skip, low, high)
        quarterFinish(c10, c11, c + ldc, bias, skip.map { $0 + ldr }, low, high)
        quarterFinish(c20, c21, c + 2 * ldc, bias, skip.map { $0 + 2 * ldr }, low, high)
        quarterFinish(c30, c31, c + 3 * ldc, bias, skip.map { $0 + 3 * ldr }, low, high)
    }

    /// One row × 16 columns (leftover rows): one chain per vector, as the AVX-512 build's single row.
    @inline(__always)
    private static func quarter1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ k: Int, _ c: UnsafeMutablePointer<Float>,
                                 _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float) {
        var c0 = F8(), c1 = F8()
        var bp = b
        for i in 0..<k {
            let x = F8(repeating: a[i])
            c0 = c0.addingProduct(x, load(bp)); c1 = c1.addingProduct(x, load(bp + 8))
            bp += panelWidth
        }
        quarterFinish(c0, c1, c, bias, skip, low, high)
    }
}
