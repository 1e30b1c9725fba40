import CPrefetch

extension AVX2Kernels {
    /// Columns per packed weight panel: the AVX-512 build's 64 (`AVX512Kernels.panelWidth`), so one packing
    /// serves both builds. Here a panel runs as four quarters of 16 columns (two ymm registers).
    public static let panelWidth = 64
    /// Whether `panelGEMM` prefetches the next row block's A into L2 while a block runs, for K ≤ 512. Off: 1.0–1.15×
    /// on one thread for calls over thousands of rows, but neutral on the tiles the callers issue (≤ 1 M output floats)
    /// and end to end (benchmarks/backbones/README.md). Read per call.
    nonisolated(unsafe) public static var panelPrefetchRows = false
    /// Rows per slab of `panelGEMM`: `.max` (default) runs each panel over all rows, 0 picks `panelSlabRows(k:)`
    /// (≈ 512 KiB of A), another value that many (at least 6). Off for the same reason as `panelPrefetchRows`
    /// (1.1–1.5× on one thread for calls of M ≥ 6272 and K ≤ 512; neutral on the callers' tiles). Read per call.
    nonisolated(unsafe) public static var panelRowSlab = Int.max
    /// Most K a 6-row block sums over its four quarters before the next K block (larger K runs in equal blocks, the
    /// raw sums kept between them: the same chain, so the same floats); `.max`: the whole K per quarter. 1024: K 1536
    /// and 2048 (ResNet-50's layer4 1×1 convolutions) run in 2 blocks whose 6 rows of A (≤ 24 KiB) stay in L1 across
    /// the quarters — 1.01–1.07× on one thread on those shapes, 49 × 2048 × 512 1.06–1.18×; K ≤ 1024 runs as before
    /// (blocks of 768 measured 0.92–1.03× there, noise). Read per call.
    nonisolated(unsafe) public static var panelDepthBlock = 1024
    /// Leftover single rows as one row × 64 columns (`row64`: eight independent chains) instead of four quarters of
    /// two chains each, which wait on the multiply-add latency. The same chain per output, so the same floats.
    /// Read per call.
    nonisolated(unsafe) public static var panelWideRow = true
    /// Calls of at least this many rows copy each panel, once per call, into four contiguous 16-column strips
    /// ([4][K][16], a heap scratch of K × 64 floats) that the 6- and 4-row blocks read, so each quarter streams its
    /// weights sequentially (64 bytes per k) instead of at a stride of 256 bytes; leftover rows read the panel. The
    /// same floats: the same weights in the same chains. 48 (default): on the callers' tiles 1.1–1.35× on one thread
    /// wherever K ≥ 256 (the strided quarter is a new line per k that the L1 prefetcher catches late), ≈ 1.0 at K 64–128
    /// (the panel fits L1); end to end 1.05–1.12× CPU per forward (benchmarks/backbones/README.md). `.max`: off.
    /// Weights laid out as strips at load (`inStrips`, `PanelStrips`) need no copy; this serves the panels packed
    /// per call (the attention core's keys and values) or kept as [K][64] (Winograd's U). Read per call.
    nonisolated(unsafe) public static var panelStripRows = 48
    /// The blocks' epilogues (+ bias, + residual, clamp, store; or the raw sums kept) inlined into each block
    /// (`quarterEndInline`, `@_transparent`) instead of one call per row: `@inline(__always)` left a call per row, each
    /// with `vzeroupper`, the other accumulators spilled and the two vectors passed as four xmm halves. On the callers'
    /// tiles on one thread 1.15× at K 64, 1.08× at K 128, 1.01–1.06× at K ≥ 256; 1.02–1.03× CPU per forward
    /// (benchmarks/backbones/README.md). false: the calls. The same arithmetic, so the same floats. Read per quarter.
    nonisolated(unsafe) public static var panelInlineEnds = true

    /// The slab `panelRowSlab` 0 picks: max(48, 131072 / K) rows rounded down to 6 — A's slab ≈ 512 KiB, read from
    /// memory once and from L2/L3 for the next panels.
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
    /// L1 while the panel streams from L2; calls of `panelStripRows` rows or more read each quarter from a contiguous
    /// copy (`copyStrips`). Leftover rows run as a block of 4, then one at a time (`panelWideRow`). Each output is
    /// the AVX-512 build's arithmetic lane for lane — one fused multiply-add per k in order, + bias, + residual,
    /// clamp — so both builds give the same floats.
    ///
    /// K over `panelDepthBlock` runs in K blocks per 6-row block; optionally (off by default) rows run in slabs of
    /// `panelRowSlab` (all panels of a slab before the next slab) and `panelPrefetchRows` prefetches the next
    /// block's rows of A into L2 while a block runs. None of these changes a float: each output is one chain
    /// whatever the order.
    ///
    /// - kBlock: with K > kBlock, each block sums K in passes of kBlock, the first stored with bias and residual,
    ///   each next one added to the stored rows (`AVX512Kernels.panelGEMM`'s rule). Needs no clamp.
    public static func panelGEMM(rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>,
                                 panels: Range<Int>, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                                 residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float, kBlock: Int = .max) {
        panelGEMM(rows: rows, k: k, a: a, lda: lda, packed: packed, panels: panels, c: c, ldc: ldc, bias: bias,
                  residual: residual, ldr: ldr, low: low, high: high, kBlock: kBlock, inStrips: false)
    }

    /// `panelGEMM` on weights in either layout: `inStrips` false, the panels [N/64][K][64]; true, each panel laid out
    /// at load as its four 16-column strips [N/64][4][K][16] (`PanelStrips`: still K × 64 contiguous floats per panel,
    /// only the order inside changes), which every block reads in place — no per-call copy, and leftover rows read
    /// the strips too. The same floats in both layouts: the same weights in the same chains.
    /// `gelu`: each block's rows of the panel (≤ 6 × 64 outputs, in L1) go through `geluInRows` once all K passes
    /// are stored — the floats of GELU run over the finished output.
    public static func panelGEMM(rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>,
                                 panels: Range<Int>, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                                 residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float, kBlock: Int,
                                 inStrips: Bool, gelu: Bool = false) {
        precondition(kBlock > 0 && (k <= kBlock || (low == -.infinity && high == .infinity)),
                     "panelGEMM: kBlock \(kBlock) must be positive, and K passes take no clamp")
        let zeros = UnsafePointer(panelZeros), first = min(k, kBlock), prefetch = panelPrefetchRows && k <= 512
        let slab = panelRowSlab == 0 ? panelSlabRows(k: k) : max(6, panelRowSlab)
        // Strips of one panel at a time: copied once per panel (per slab with row slabs). On a 64-byte boundary, so
        // no weight load straddles two cache lines (malloc's 16-byte alignment measured 0.986–0.993× CPU per forward).
        let stripBlock: UnsafeMutableRawPointer? = !inStrips && rows >= panelStripRows && rows >= 6
            ? .allocate(byteCount: k * panelWidth * 4, alignment: 64) : nil
        defer { stripBlock?.deallocate() }
        let copies = stripBlock?.assumingMemoryBound(to: Float.self)
        var stripPanel = -1
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 6 * panelWidth) { sums in
        let sums = sums.baseAddress!
        var m0 = 0
        while m0 < rows {
            let mEnd = rows - m0 > slab ? m0 + slab : rows
            for p in panels {
                let b = packed + p * k * panelWidth, col = p * panelWidth
                if let copies, stripPanel != p { copyStrips(b, k, copies); stripPanel = p }
                // The panel's strips (laid out at load, or this call's copy), and the panel itself unless only strips exist.
                let strips = inStrips ? b : copies.map { UnsafePointer($0) }, panel = inStrips ? nil : b
                let bp = bias.map { $0 + col } ?? zeros
                var r = m0
                while r < mEnd {
                    let height = mEnd - r >= 6 ? 6 : mEnd - r >= 4 ? 4 : 1
                    let ar = a + r * lda, out = c + r * ldc + col
                    let ahead = prefetch ? min(6, rows - r - height) : 0
                    block(height, ar, lda, panel, first, out, ldc, bp, residual.map { $0 + r * ldr + col }, ldr, low, high,
                          ar + height * lda, ahead, sums, strips, k)
                    var k0 = kBlock
                    while k0 < k {      // the next passes onto C
                        block(height, ar + k0, lda, panel.map { $0 + k0 * panelWidth }, min(kBlock, k - k0), out, ldc, zeros,
                              UnsafePointer(out), ldc, low, high, ar, 0, sums, strips.map { $0 + k0 * 16 }, k)
                        k0 += kBlock
                    }
                    if gelu { geluInRows(out, rows: height, count: panelWidth, ldc: ldc) }
                    r += height
                }
            }
            m0 = mEnd
        }
        }
    }

    /// One block of `height` (6, 4 or 1) rows over a whole 64-column panel, quarter by quarter; with K over
    /// `panelDepthBlock`, K in equal blocks, each block's four quarters before the next block (the block's rows of A
    /// stay in L1 across quarters), the raw sums kept in `sums` [6][64] between blocks. Before each quarter, a quarter
    /// of the first `aheadRows` rows of `ahead` (the next block's A, K long) is prefetched into L2.
    /// `b`: the panel [K][64] (nil when the weights exist only as strips); `strips` [4][stripLength][16], offset to this
    /// K pass: the 6- and 4-row blocks read them when given, single rows only without a panel.
    @inline(__always)
    private static func block(_ height: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>?, _ k: Int,
                              _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                              _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float,
                              _ ahead: UnsafePointer<Float>, _ aheadRows: Int, _ sums: UnsafeMutablePointer<Float>,
                              _ strips: UnsafePointer<Float>?, _ stripLength: Int) {
        let span = (k + 63) / 64 * 16     // floats of a row prefetched per quarter: a quarter of its lines
        let most = max(1, panelDepthBlock)
        let blocks = k > most ? (k + most - 1) / most : 1
        let depth = (k + blocks - 1) / blocks
        var k0 = 0
        repeat {
            let kc = min(depth, k - k0), resume = k0 > 0, finish = k0 + kc >= k
            let ak = a + k0, bk = b.map { $0 + k0 * panelWidth }
            if height == 1 && panelWideRow {
                if let bk {
                    row64(ak, bk, kc, c, bias, skip, low, high, sums, resume, finish)
                } else {
                    row64(ak, strips! + k0 * 16, stripLength, kc, c, bias, skip, low, high, sums, resume, finish)
                }
                k0 += kc
                continue
            }
            for q in stride(from: 0, to: panelWidth, by: 16) {
                for row in 0..<(resume ? 0 : aheadRows) {
                    let p = ahead + row * lda
                    var i = q / 16 * span, end = min(k, i + span)
                    while i < end { thaw_prefetch_l2(p + i); i += 16 }
                }
                let (cq, biasq, skipq, sq) = (c + q, bias + q, skip.map { $0 + q }, sums + q)
                // The quarter's contiguous strip (row stride 16) when there are strips, else the panel (stride 64).
                let (sb, ldb) = strips.map { ($0 + q * stripLength + k0 * 16, 16) } ?? (bk! + q, panelWidth)
                switch height {
                case 6: quarter6(ak, lda, sb, ldb, kc, cq, ldc, biasq, skipq, ldr, low, high, sq, resume, finish)
                case 4: quarter4(ak, lda, sb, ldb, kc, cq, ldc, biasq, skipq, ldr, low, high, sq, resume, finish)
                default:    // single rows read the panel where there is one (strips copied per call serve the blocks)
                    if let bk { quarter1(ak, bk + q, panelWidth, kc, cq, biasq, skipq, low, high, sq, resume, finish) }
                    else { quarter1(ak, sb, 16, kc, cq, biasq, skipq, low, high, sq, resume, finish) }
                }
            }
            k0 += kc
        } while k0 < k
    }

    /// The two accumulators of one row of a quarter: zero, or (`resume`) the raw sums of the K blocks before.
    @inline(__always)
    static func quarterStart(_ resume: Bool, _ sums: UnsafeMutablePointer<Float>) -> (F8, F8) {
        resume ? (load(sums), load(sums + 8)) : (F8(), F8())
    }

    /// One row of a quarter after a K block: `quarterFinish` into C after the last, else the raw sums kept.
    @inline(__always)
    static func quarterEnd(_ v0: F8, _ v1: F8, _ out: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Float>,
                           _ finish: Bool, _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ low: Float,
                           _ high: Float) {
        if finish { quarterFinish(v0, v1, out, bias, skip, low, high) } else { store(v0, sums); store(v1, sums + 8) }
    }

    /// `quarterEnd` inlined where `inline` (`panelInlineEnds`), else called: one row of a block's epilogue.
    @_transparent                                    // mandatory: @inline(__always) left a call per row
    static func end(_ inline: Bool, _ v0: F8, _ v1: F8, _ out: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Float>,
                    _ finish: Bool, _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float) {
        if inline { quarterEndInline(v0, v1, out, sums, finish, bias, skip, low, high) }
        else { quarterEnd(v0, v1, out, sums, finish, bias, skip, low, high) }
    }

    /// `quarterEnd`'s arithmetic, always inlined (`panelInlineEnds`).
    @_transparent
    static func quarterEndInline(_ v0: F8, _ v1: F8, _ out: UnsafeMutablePointer<Float>, _ sums: UnsafeMutablePointer<Float>,
                                 _ finish: Bool, _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ low: Float,
                                 _ high: Float) {
        if finish { quarterFinishInline(v0, v1, out, bias, skip, low, high) } else { store(v0, sums); store(v1, sums + 8) }
    }

    /// out[0..<16] = clamp(acc + bias (+ skip), low, high) for one row of a quarter, clamped in registers before the
    /// only store (`clamped`: the AVX-512 build's stored-then-clamped floats exactly).
    @inline(__always)
    static func quarterFinish(_ v0: F8, _ v1: F8, _ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                              _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float) {
        quarterFinishInline(v0, v1, out, bias, skip, low, high)
    }

    /// `quarterFinish`'s arithmetic, always inlined (`panelInlineEnds`, `PanelRow.finish`).
    @_transparent
    static func quarterFinishInline(_ v0: F8, _ v1: F8, _ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                                    _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float) {
        var w0 = v0 + load(bias), w1 = v1 + load(bias + 8)
        if let skip { w0 += load(skip); w1 += load(skip + 8) }
        if low != -.infinity || high != .infinity {
            let lo = F8(repeating: low), hi = F8(repeating: high)
            w0 = clamped(w0, lo, hi); w1 = clamped(w1, lo, hi)
        }
        store(w0, out); store(w1, out + 8)
    }

    /// 6 rows × 16 columns: per k two weight loads (row stride `ldb`: 64 in a panel, 16 in a strip) and six broadcasts
    /// into 12 accumulators.
    @inline(__always)
    private static func quarter6(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                 _ k: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                                 _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float,
                                 _ sums: UnsafeMutablePointer<Float>, _ resume: Bool, _ finish: Bool) {
        var s = Sums6(resume, sums)
        s.add(a, a + lda, a + 2 * lda, a + 3 * lda, a + 4 * lda, a + 5 * lda, b, ldb, k)
        let inline = panelInlineEnds
        end(inline, s.c00, s.c01, c, sums, finish, bias, skip, low, high)
        end(inline, s.c10, s.c11, c + ldc, sums + 64, finish, bias, skip.map { $0 + ldr }, low, high)
        end(inline, s.c20, s.c21, c + 2 * ldc, sums + 128, finish, bias, skip.map { $0 + 2 * ldr }, low, high)
        end(inline, s.c30, s.c31, c + 3 * ldc, sums + 192, finish, bias, skip.map { $0 + 3 * ldr }, low, high)
        end(inline, s.c40, s.c41, c + 4 * ldc, sums + 256, finish, bias, skip.map { $0 + 4 * ldr }, low, high)
        end(inline, s.c50, s.c51, c + 5 * ldc, sums + 320, finish, bias, skip.map { $0 + 5 * ldr }, low, high)
    }

    /// The 12 accumulators of a 6-row quarter (row r: c_r0, c_r1 = columns 0–7, 8–15).
    struct Sums6 {
        var c00: F8, c01: F8, c10: F8, c11: F8, c20: F8, c21: F8, c30: F8, c31: F8, c40: F8, c41: F8, c50: F8, c51: F8

        /// Zero, or (`resume`) the raw sums of the K blocks before (`sums` [6][64], this quarter's columns).
        @inline(__always)
        init(_ resume: Bool, _ sums: UnsafeMutablePointer<Float>) {
            (c00, c01) = quarterStart(resume, sums); (c10, c11) = quarterStart(resume, sums + 64)
            (c20, c21) = quarterStart(resume, sums + 128); (c30, c31) = quarterStart(resume, sums + 192)
            (c40, c41) = quarterStart(resume, sums + 256); (c50, c51) = quarterStart(resume, sums + 320)
        }

        /// c_r += a_r[i] · b[i·ldb ..< i·ldb + 16] for i in 0..<k in order, rows a0…a5.
        @inline(__always)
        mutating func add(_ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>, _ a2: UnsafePointer<Float>,
                          _ a3: UnsafePointer<Float>, _ a4: UnsafePointer<Float>, _ a5: UnsafePointer<Float>,
                          _ b: UnsafePointer<Float>, _ ldb: Int, _ k: Int) {
            var bp = b
            for i in 0..<k {
                let b0 = load(bp), b1 = load(bp + 8)
                var x = F8(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
                x = F8(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
                x = F8(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
                x = F8(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
                x = F8(repeating: a4[i]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
                x = F8(repeating: a5[i]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
                bp += ldb
            }
        }
    }

    @inline(__always)
    private static func quarter4(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ k: Int,
                                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                                 _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float,
                                 _ sums: UnsafeMutablePointer<Float>, _ resume: Bool, _ finish: Bool) {
        var (c00, c01) = quarterStart(resume, sums), (c10, c11) = quarterStart(resume, sums + 64)
        var (c20, c21) = quarterStart(resume, sums + 128), (c30, c31) = quarterStart(resume, sums + 192)
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
        var bp = b
        for i in 0..<k {
            let b0 = load(bp), b1 = load(bp + 8)
            var x = F8(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = F8(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = F8(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = F8(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            bp += ldb
        }
        let inline = panelInlineEnds
        end(inline, c00, c01, c, sums, finish, bias, skip, low, high)
        end(inline, c10, c11, c + ldc, sums + 64, finish, bias, skip.map { $0 + ldr }, low, high)
        end(inline, c20, c21, c + 2 * ldc, sums + 128, finish, bias, skip.map { $0 + 2 * ldr }, low, high)
        end(inline, c30, c31, c + 3 * ldc, sums + 192, finish, bias, skip.map { $0 + 3 * ldr }, low, high)
    }

    /// One row × 64 columns (leftover rows, `panelWideRow`): `PanelRow`'s eight chains, the raw sums of earlier K
    /// blocks in `sums` [64].
    @inline(__always)
    private static func row64(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ k: Int, _ c: UnsafeMutablePointer<Float>,
                              _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float,
                              _ sums: UnsafeMutablePointer<Float>, _ resume: Bool, _ finish: Bool) {
        var row = resume ? PanelRow(loading: sums) : PanelRow()
        var bp = b
        row.add(a, k, &bp)
        if finish { row.finish(inline: panelInlineEnds, c, bias, skip, low, high) } else { row.store(to: sums) }
    }

    /// `row64` on a panel laid out as strips: `strips` [4][stripLength][16], offset to the first k of this block.
    @inline(__always)
    private static func row64(_ a: UnsafePointer<Float>, _ strips: UnsafePointer<Float>, _ stripLength: Int, _ k: Int,
                              _ c: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?,
                              _ low: Float, _ high: Float, _ sums: UnsafeMutablePointer<Float>, _ resume: Bool, _ finish: Bool) {
        var row = resume ? PanelRow(loading: sums) : PanelRow()
        row.add(a, k, strips: strips, stripLength: stripLength)
        if finish { row.finish(inline: panelInlineEnds, c, bias, skip, low, high) } else { row.store(to: sums) }
    }

    /// One row × 16 columns (leftover rows): one chain per vector, as the AVX-512 build's single row; `ldb` 64 in a
    /// panel, 16 in a strip.
    @inline(__always)
    private static func quarter1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ ldb: Int, _ k: Int,
                                 _ c: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?,
                                 _ low: Float, _ high: Float, _ sums: UnsafeMutablePointer<Float>, _ resume: Bool, _ finish: Bool) {
        var (c0, c1) = quarterStart(resume, sums)
        var bp = b
        for i in 0..<k {
            let x = F8(repeating: a[i])
            c0 = c0.addingProduct(x, load(bp)); c1 = c1.addingProduct(x, load(bp + 8))
            bp += ldb
        }
        end(panelInlineEnds, c0, c1, c, sums, finish, bias, skip, low, high)
    }

    /// strips [4][K][16] = the 64-column panel [K][64] cut into its four quarters, each contiguous.
    static func copyStrips(_ panel: UnsafePointer<Float>, _ k: Int, _ strips: UnsafeMutablePointer<Float>) {
        for q in 0..<4 {
            var src = panel + q * 16, dst = strips + q * k * 16
            for _ in 0..<k {
                store(load(src), dst); store(load(src + 8), dst + 8)
                src += panelWidth; dst += 16
            }
        }
    }
}
