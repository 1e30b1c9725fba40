extension AVX2Kernels {
    /// C = clamp(A · B + bias + residual, low, high) as `panelGEMM` computes it, with each row of A read as a
    /// convolution window straight from an NHWC map instead of from an im2col copy
    /// (`AVX512Kernels.windowPanelGEMM`'s signature and semantics).
    ///
    /// Row r of A is `segments` runs of `segmentK` contiguous floats, run s starting at
    /// `a + rowOffsets[r] + s · segmentStride`; K = segments · segmentK in that order (the packed weights' rows
    /// [kh][kw][Cin]).
    ///
    /// Same blocks as `panelGEMM` (6 rows × 16 columns, 12 accumulators over the whole K; a block's four
    /// quarters back to back, then 4 rows, then single rows, here each over the whole panel at once), one fused
    /// multiply-add per k in order, + bias, + residual, clamp: in one pass (`segmentPasses` false) the same floats as `panelGEMM` on the im2col copy and
    /// as the AVX-512 build.
    ///
    /// - packed: weights [N/64][K][64]; c, bias, residual: column 0 of [rows, ldc], [N], [rows, ldr] (bias and
    ///   residual may be nil).
    /// - segmentPasses: each run (window row) as one pass over all the rows, onto C (the first pass with bias and
    ///   residual, the last one clamped), so a run's slice of the panel (segmentK × 64 floats) is read from L2 by
    ///   every row block instead of the whole panel streaming again per block; sums differ from one pass by rounding.
    /// - quarterBlockFloats: > 0 (and `segmentPasses` false), where one quarter of a panel (K × 16 floats) exceeds it:
    ///   the same floats as one pass, in another order — per panel, runs in groups whose slice of one 16-column
    ///   quarter (runs · segmentK · 16 floats) is at most this (at least one run), and per group each quarter over
    ///   all the rows (`windowQuarterBlocks`), so the slice is read from L2 by every row block rather than streamed
    ///   from L3 per block. Between groups the raw sums go to C and are reloaded to continue each output's chain;
    ///   bias, residual and clamp after the last group.
    /// - quarterBlockRows: quarter blocks only for calls of at most this many rows (more rows: their windows would be
    ///   read from beyond L2 once per quarter; a block's quarters back to back keep its 6 windows in L1).
    /// - strips: nil, or the weights already cut into strips for every panel of the layer ([N/64][4][K][16],
    ///   `windowStripsOf`), shared by a layer's tiles so that no tile copies its own (with `windowStrips`; not with
    ///   `segmentPasses`). The same floats either way.
    /// - packedInStrips: `packed` itself is laid out as strips [N/64][4][K][16] (weights packed at load,
    ///   `PanelStrips`): every block and leftover row reads them in place, whatever `windowStrips`,
    ///   `windowStripLeftovers` and `windowWideLeftovers` say, and `strips` is ignored. Not with `segmentPasses`.
    public static func windowPanelGEMM(rows: Int, rowOffsets: UnsafePointer<Int32>, a: UnsafePointer<Float>, segments: Int,
                                       segmentK: Int, segmentStride: Int, packed: UnsafePointer<Float>, panels: Range<Int>,
                                       c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                                       residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float,
                                       segmentPasses: Bool = false, quarterBlockFloats: Int = 0, quarterBlockRows: Int = .max,
                                       strips shared: UnsafePointer<Float>? = nil, packedInStrips: Bool = false) {
        precondition(!(packedInStrips && segmentPasses), "windowPanelGEMM: segmentPasses reads [K][64] panels, not strips")
        let k = segments * segmentK, zeros = UnsafePointer(panelZeros)
        let shared = packedInStrips ? packed : windowStrips ? shared : nil
        // Leftover rows read strips (the only layout there is when packedInStrips).
        let stripLeftovers = packedInStrips || (windowStripLeftovers && windowWideLeftovers)
        if quarterBlockFloats > 0 && !segmentPasses && k * 16 > quarterBlockFloats && rows <= quarterBlockRows {
            windowQuarterBlocks(rows: rows, rowOffsets: rowOffsets, a: a, segments: segments, segmentK: segmentK,
                                segmentStride: segmentStride, packed: packed, panels: panels, c: c, ldc: ldc,
                                bias: bias, residual: residual, ldr: ldr, low: low, high: high,
                                blockFloats: quarterBlockFloats, shared: shared, stripLeftovers: stripLeftovers)
            return
        }
        if windowRowSlabs && quarterBlockFloats > 0 && !segmentPasses && k * 16 > quarterBlockFloats {
            // More rows than quarterBlockRows: quarter blocks over equal slabs of about that many rows (rounded up to
            // a multiple of 6, so only the last slab has leftover rows).
            let slabs = (rows + quarterBlockRows - 1) / quarterBlockRows
            let slab = ((rows + slabs - 1) / slabs + 5) / 6 * 6
            var r0 = 0
            while r0 < rows {
                let count = min(slab, rows - r0)
                windowQuarterBlocks(rows: count, rowOffsets: rowOffsets + r0, a: a, segments: segments, segmentK: segmentK,
                                    segmentStride: segmentStride, packed: packed, panels: panels, c: c + r0 * ldc, ldc: ldc,
                                    bias: bias, residual: residual.map { $0 + r0 * ldr }, ldr: ldr, low: low, high: high,
                                    blockFloats: quarterBlockFloats, shared: shared, stripLeftovers: stripLeftovers)
                r0 += count
            }
            return
        }
        // One pass with strips: each panel copied once per call into [4][K][16] (64-byte aligned), which the 6- and
        // 4-row blocks read; leftover rows read the panel.
        let stripBlock: UnsafeMutableRawPointer? = windowStrips && !segmentPasses && rows >= 6 && shared == nil
            ? .allocate(byteCount: k * panelWidth * 4, alignment: 64) : nil
        defer { stripBlock?.deallocate() }
        let strips = stripBlock?.assumingMemoryBound(to: Float.self)
        for p in panels {
            let b = packed + p * k * panelWidth, col = p * panelWidth
            let bp = bias.map { $0 + col } ?? zeros
            guard segmentPasses && segments > 1 else {
                let runs = WindowRuns(count: segments, length: segmentK, stride: segmentStride)
                if let strips {
                    if windowStripsInOrder { copyStripsInOrder(b, k, strips) } else { copyStrips(b, k, strips) }
                }
                let panelStrips = shared.map { $0 + p * k * panelWidth } ?? strips.map { UnsafePointer($0) }
                windowRows(rows, rowOffsets, a, runs, b, rows >= 6 || packedInStrips ? panelStrips : nil, c + col, ldc, bp,
                           residual.map { $0 + col }, ldr, low, high, stripLeftovers)
                continue
            }
            let run = WindowRuns(count: 1, length: segmentK, stride: 0)
            for s in 0..<segments {         // C = A₀·B₀ + bias + residual, then += Aₛ·Bₛ; the last pass clamps
                let first = s == 0, last = s == segments - 1
                windowRows(rows, rowOffsets, a + s * segmentStride, run, b + s * segmentK * panelWidth, nil, c + col, ldc,
                           first ? bp : zeros, first ? residual.map { $0 + col } : UnsafePointer(c + col), first ? ldr : ldc,
                           last ? low : -.infinity, last ? high : .infinity, false)
            }
        }
    }

    /// All `rows` windows over one 64-column panel (`b`, `c`, `bias`, `skip` at the panel's column 0): blocks of 6
    /// rows, then 4, each block's four quarters back to back, then single rows over the whole panel (`windows1Wide`).
    /// With `strips` (the panel as [4][K][16]) the blocks read their quarter from its strip.
    @inline(__always)
    private static func windowRows(_ rows: Int, _ rowOffsets: UnsafePointer<Int32>, _ a: UnsafePointer<Float>, _ runs: WindowRuns,
                                   _ b: UnsafePointer<Float>, _ strips: UnsafePointer<Float>?, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                                   _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ ldr: Int,
                                   _ low: Float, _ high: Float, _ stripLeftovers: Bool) {
        var r = 0
        while r < rows {
            let height = rows - r >= 6 ? 6 : rows - r >= 4 ? 4 : 1
            let out = c + r * ldc, skipr = skip.map { $0 + r * ldr }
            if height == 1 {
                if let strips, stripLeftovers {
                    windows1Strips(a + Int(rowOffsets[r]), runs, strips, runs.count * runs.length * 16, out, bias, skipr, low, high, true, true)
                } else {
                    windows1Wide(a + Int(rowOffsets[r]), runs, b, out, bias, skipr, low, high, true, true)
                }
                r += 1
                continue
            }
            let k = runs.count * runs.length
            for q in stride(from: 0, to: panelWidth, by: 16) {
                let (cq, biasq, skipq) = (out + q, bias + q, skipr.map { $0 + q })
                let (bq, ldb) = strips.map { ($0 + q * k, 16) } ?? (b + q, panelWidth)
                if height == 6 {
                    windows6(a, rowOffsets + r, runs, bq, ldb, cq, ldc, biasq, skipq, ldr, low, high, true, true)
                } else {
                    windows4(a, rowOffsets + r, runs, bq, ldb, cq, ldc, biasq, skipq, ldr, low, high, true, true)
                }
            }
            r += height
        }
    }

    /// `windowPanelGEMM` with `quarterBlockFloats`: per panel, per group of runs (its quarter slice within
    /// `blockFloats`), per quarter, the blocks of 6 then 4 rows, then the last 1–3 rows over the whole panel — each
    /// output one chain over K in order, the raw sums kept in C between groups, so the floats of one pass.
    /// With `windowRunPieces` a run whose quarter slice alone exceeds `blockFloats` is cut into equal pieces within
    /// it (each a group of its own), so the slice stays in L1 rather than L2 across the row blocks.
    private static func windowQuarterBlocks(rows: Int, rowOffsets: UnsafePointer<Int32>, a: UnsafePointer<Float>, segments: Int,
                                            segmentK: Int, segmentStride: Int, packed: UnsafePointer<Float>, panels: Range<Int>,
                                            c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                                            residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float, blockFloats: Int,
                                            shared: UnsafePointer<Float>?, stripLeftovers: Bool) {
        let k = segments * segmentK, zeros = UnsafePointer(panelZeros)
        let perGroup = max(1, min(segments, blockFloats / (segmentK * 16)))    // runs per group
        // Pieces per run: 1, or (run pieces on, a run's slice over blockFloats) as many as bring a slice within it.
        let pieces = windowRunPieces ? max(1, (segmentK * 16 + blockFloats - 1) / blockFloats) : 1
        let groups = pieces > 1 ? segments * pieces : (segments + perGroup - 1) / perGroup
        // With `windowStrips`, each group's slice of the panel copied into [4][kg][16] (64-byte aligned) before its rows.
        let longestGroup = pieces > 1 ? (segmentK + pieces - 1) / pieces : perGroup * segmentK
        let stripBlock: UnsafeMutableRawPointer? = windowStrips && rows >= 6 && shared == nil
            ? .allocate(byteCount: longestGroup * panelWidth * 4, alignment: 64) : nil
        defer { stripBlock?.deallocate() }
        let strips = stripBlock?.assumingMemoryBound(to: Float.self)
        for p in panels {
            let col = p * panelWidth, bp = bias.map { $0 + col } ?? zeros
            for group in 0..<groups {
                let start = group == 0, finish = group == groups - 1
                let runs: WindowRuns, aOffset: Int, kOffset: Int         // the group's first float in a window and in K
                if pieces > 1 {
                    let s = group / pieces, k0 = segmentK * (group % pieces) / pieces, k1 = segmentK * (group % pieces + 1) / pieces
                    (runs, aOffset, kOffset) = (WindowRuns(count: 1, length: k1 - k0, stride: 0), s * segmentStride + k0, s * segmentK + k0)
                } else {
                    let s0 = group * perGroup
                    runs = WindowRuns(count: min(perGroup, segments - s0), length: segmentK, stride: segmentStride)
                    (aOffset, kOffset) = (s0 * segmentStride, s0 * segmentK)
                }
                let ag = a + aOffset, bg = packed + p * k * panelWidth + kOffset * panelWidth
                let kg = runs.count * runs.length                     // the group's K
                if let strips {
                    if windowStripsInOrder { copyStripsInOrder(bg, kg, strips) } else { copyStrips(bg, kg, strips) }
                }
                for q in stride(from: 0, to: panelWidth, by: 16) {
                    let (biasq, skipq) = (bp + q, residual.map { $0 + col + q })
                    // The quarter's strip: the layer's shared one at the group's K, this call's copy, or the panel in place.
                    let (bq, ldb) = shared.map { ($0 + p * k * panelWidth + q * k + kOffset * 16, 16) }
                        ?? strips.map { (UnsafePointer($0) + q * kg, 16) } ?? (bg + q, panelWidth)
                    var r = 0
                    while rows - r >= 4 {
                        let height = rows - r >= 6 ? 6 : 4
                        let cq = c + r * ldc + col + q, skipr = skipq.map { $0 + r * ldr }
                        if height == 6 {
                            windows6(ag, rowOffsets + r, runs, bq, ldb, cq, ldc, biasq, skipr, ldr, low, high, start, finish)
                        } else {
                            windows4(ag, rowOffsets + r, runs, bq, ldb, cq, ldc, biasq, skipr, ldr, low, high, start, finish)
                        }
                        r += height
                    }
                }
                // The group's quarter-0 strip and the distance between its quarters, for the leftover rows.
                let leftoverStrips: (UnsafePointer<Float>, Int)? = !stripLeftovers ? nil
                    : shared.map { ($0 + p * k * panelWidth + kOffset * 16, k * 16) } ?? strips.map { (UnsafePointer($0), kg * 16) }
                for r in (rows - rows % 6 % 4)..<rows {     // the last 1–3 rows: each over the whole panel at once
                    if let (s0, quarterStride) = leftoverStrips {
                        windows1Strips(ag + Int(rowOffsets[r]), runs, s0, quarterStride, c + r * ldc + col, bp,
                                       residual.map { $0 + r * ldr + col }, low, high, start, finish)
                    } else {
                        windows1Wide(ag + Int(rowOffsets[r]), runs, bg, c + r * ldc + col, bp, residual.map { $0 + r * ldr + col },
                                     low, high, start, finish)
                    }
                }
            }
        }
    }

    /// Calls with more rows than `quarterBlockRows` (and a quarter over `quarterBlockFloats`) run quarter blocks over
    /// slabs of about that many rows instead of one pass — batch 32's 784-row tiles of layer2.0's 3×3 and 392-row tiles
    /// of layer4.0's downsample: a slab's windows stay in L2 across its quarters, which all the tile's rows did not.
    /// The same floats either way. On: that layer2.0 tile ran 1.11× as fast per CPU-second (`thaw-kernels-bench
    /// window`; benchmarks/backbones/README.md). Set before forwards start.
    nonisolated(unsafe) public static var windowRowSlabs = true

    /// Quarter blocks may cut a window run into pieces (`windowQuarterBlocks`): a 3×3 run of layer3–4 (768 or 1536
    /// floats of K, a 48–96 KB quarter slice) becomes pieces whose slice is within `quarterBlockFloats` (layer4's 3×3
    /// at 8192: three pieces of 512, 32 KB; A's piece of 49 rows 100 KB instead of 300 KB); false: groups of whole
    /// runs. The same floats either way. On: one tile of layer4's 3×3 at batch 1 ran 1.12–1.17× as fast per CPU-second
    /// (`thaw-kernels-bench window`; benchmarks/backbones/README.md). Set before forwards start.
    nonisolated(unsafe) public static var windowRunPieces = true

    /// The 6- and 4-row blocks read the weights from contiguous 16-column strips ([4][K][16], `copyStrips`) copied once
    /// per panel (one pass) or per panel and group (quarter blocks) instead of the panel's quarter at a stride of 256
    /// bytes — `panelStripRows`'s reason; false: the panel in place. The same weights in the same chains, so the same
    /// floats. Set before forwards start.
    nonisolated(unsafe) public static var windowStrips = true

    /// strips [panels][4][K][16] = the given 64-column panels of `packed` ([N/64][K][64]) each cut into its four
    /// quarters (`copyStrips`), panel `panels.lowerBound` first: the `strips` `windowPanelGEMM` takes, for the whole
    /// layer when it starts at panel 0.
    public static func windowStripsOf(packed: UnsafePointer<Float>, k: Int, panels: Range<Int>, into strips: UnsafeMutablePointer<Float>) {
        for p in panels {
            let (panel, out) = (packed + p * k * panelWidth, strips + (p - panels.lowerBound) * k * panelWidth)
            if windowStripsInOrder { copyStripsInOrder(panel, k, out) } else { copyStrips(panel, k, out) }
        }
    }

    /// Leftover rows (the last 1–3 of a tile, with `windowWideLeftovers`) read the strips the blocks read, where there
    /// are strips, instead of the panel (`windows1Strips`; with strips shared by a layer's tiles the panel is otherwise
    /// never fetched); false: the panel. The same floats either way. Set before forwards start.
    nonisolated(unsafe) public static var windowStripLeftovers = true

    /// Leftover rows (the last 1–3 of a tile) as one window × 64 columns (`windows1Wide`); false: one quarter at a
    /// time, as before (benchmarks compare; the same floats either way). Set before forwards start.
    nonisolated(unsafe) public static var windowWideLeftovers = true

    /// The blocks' epilogues (bias, residual, clamp, store after the last group) inlined (true) or one call per row
    /// (false): `panelInlineEnds`' reason — the calls clear the upper registers, spill the other accumulators and pass
    /// each vector in two halves. The same arithmetic in the same order, so the same floats. Set before forwards start.
    nonisolated(unsafe) public static var windowInlineEnds = true

    /// One row of a window block's epilogue: `quarterFinish` inlined where `inline` (`windowInlineEnds`), else called.
    @_transparent                                    // mandatory: @inline(__always) left a call per row
    static func windowFinish(_ inline: Bool, _ v0: F8, _ v1: F8, _ out: UnsafeMutablePointer<Float>,
                             _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float) {
        if inline { quarterFinishInline(v0, v1, out, bias, skip, low, high) }
        else { quarterFinish(v0, v1, out, bias, skip, low, high) }
    }

    /// The runs of one window: `count` runs of `length` floats, `stride` floats apart.
    struct WindowRuns {
        let count: Int, length: Int, stride: Int
    }

    /// 6 windows × 16 columns: per k two weight loads (row stride `ldb`: 64 in a panel, 16 in a strip) and six
    /// broadcasts into 12 accumulators.
    @inline(__always)
    private static func windows6(_ a: UnsafePointer<Float>, _ offsets: UnsafePointer<Int32>, _ runs: WindowRuns,
                                 _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                                 _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ ldr: Int,
                                 _ low: Float, _ high: Float, _ start: Bool, _ finish: Bool) {
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8()
        var c30 = F8(), c31 = F8(), c40 = F8(), c41 = F8(), c50 = F8(), c51 = F8()
        if !start {
            (c00, c01) = (load(c), load(c + 8)); (c10, c11) = (load(c + ldc), load(c + ldc + 8))
            (c20, c21) = (load(c + 2 * ldc), load(c + 2 * ldc + 8)); (c30, c31) = (load(c + 3 * ldc), load(c + 3 * ldc + 8))
            (c40, c41) = (load(c + 4 * ldc), load(c + 4 * ldc + 8)); (c50, c51) = (load(c + 5 * ldc), load(c + 5 * ldc + 8))
        }
        var bp = b
        for s in 0..<runs.count {
            let o = s * runs.stride
            let a0 = a + (Int(offsets[0]) + o), a1 = a + (Int(offsets[1]) + o), a2 = a + (Int(offsets[2]) + o)
            let a3 = a + (Int(offsets[3]) + o), a4 = a + (Int(offsets[4]) + o), a5 = a + (Int(offsets[5]) + o)
            for i in 0..<runs.length {
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
        guard finish else {                 // raw sums: the next group continues these chains
            store(c00, c); store(c01, c + 8); store(c10, c + ldc); store(c11, c + ldc + 8)
            store(c20, c + 2 * ldc); store(c21, c + 2 * ldc + 8); store(c30, c + 3 * ldc); store(c31, c + 3 * ldc + 8)
            store(c40, c + 4 * ldc); store(c41, c + 4 * ldc + 8); store(c50, c + 5 * ldc); store(c51, c + 5 * ldc + 8)
            return
        }
        let inline = windowInlineEnds
        windowFinish(inline, c00, c01, c, bias, skip, low, high)
        windowFinish(inline, c10, c11, c + ldc, bias, skip.map { $0 + ldr }, low, high)
        windowFinish(inline, c20, c21, c + 2 * ldc, bias, skip.map { $0 + 2 * ldr }, low, high)
        windowFinish(inline, c30, c31, c + 3 * ldc, bias, skip.map { $0 + 3 * ldr }, low, high)
        windowFinish(inline, c40, c41, c + 4 * ldc, bias, skip.map { $0 + 4 * ldr }, low, high)
        windowFinish(inline, c50, c51, c + 5 * ldc, bias, skip.map { $0 + 5 * ldr }, low, high)
    }

    @inline(__always)
    private static func windows4(_ a: UnsafePointer<Float>, _ offsets: UnsafePointer<Int32>, _ runs: WindowRuns,
                                 _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                                 _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ ldr: Int,
                                 _ low: Float, _ high: Float, _ start: Bool, _ finish: Bool) {
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8(), c30 = F8(), c31 = F8()
        if !start {
            (c00, c01) = (load(c), load(c + 8)); (c10, c11) = (load(c + ldc), load(c + ldc + 8))
            (c20, c21) = (load(c + 2 * ldc), load(c + 2 * ldc + 8)); (c30, c31) = (load(c + 3 * ldc), load(c + 3 * ldc + 8))
        }
        var bp = b
        for s in 0..<runs.count {
            let o = s * runs.stride
            let a0 = a + (Int(offsets[0]) + o), a1 = a + (Int(offsets[1]) + o)
            let a2 = a + (Int(offsets[2]) + o), a3 = a + (Int(offsets[3]) + o)
            for i in 0..<runs.length {
                let b0 = load(bp), b1 = load(bp + 8)
                var x = F8(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
                x = F8(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
                x = F8(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
                x = F8(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
                bp += ldb
            }
        }
        guard finish else {
            store(c00, c); store(c01, c + 8); store(c10, c + ldc); store(c11, c + ldc + 8)
            store(c20, c + 2 * ldc); store(c21, c + 2 * ldc + 8); store(c30, c + 3 * ldc); store(c31, c + 3 * ldc + 8)
            return
        }
        let inline = windowInlineEnds
        windowFinish(inline, c00, c01, c, bias, skip, low, high)
        windowFinish(inline, c10, c11, c + ldc, bias, skip.map { $0 + ldr }, low, high)
        windowFinish(inline, c20, c21, c + 2 * ldc, bias, skip.map { $0 + 2 * ldr }, low, high)
        windowFinish(inline, c30, c31, c + 3 * ldc, bias, skip.map { $0 + 3 * ldr }, low, high)
    }

    /// One window × 64 columns (a whole panel: leftover rows): `PanelRow`'s eight chains, so the FMA latency that
    /// bounds a single row's two chains per quarter is hidden; each output's chain as in `windows1`, the same floats.
    @inline(__always)
    private static func windows1Wide(_ a: UnsafePointer<Float>, _ runs: WindowRuns, _ b: UnsafePointer<Float>,
                                     _ c: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                                     _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float, _ start: Bool, _ finish: Bool) {
        guard windowWideLeftovers else {
            for q in stride(from: 0, to: panelWidth, by: 16) {
                windows1(a, runs, b + q, c + q, bias + q, skip.map { $0 + q }, low, high, start, finish)
            }
            return
        }
        var row = start ? PanelRow() : PanelRow(loading: c)
        var bp = b
        for s in 0..<runs.count { row.add(a + s * runs.stride, runs.length, &bp) }
        guard finish else { row.store(to: c); return }       // raw sums: the next group continues these chains
        row.finish(inline: windowInlineEnds, c, bias, skip, low, high)
    }

    /// `windows1Wide` with the weights read from four strips (`quarterStride` floats apart; `strips` at the call's first k
    /// in quarter 0) instead of the panel — where the call's blocks read strips, so the panel itself is not fetched for
    /// one or two rows. The same chains, the same floats.
    @inline(__always)
    private static func windows1Strips(_ a: UnsafePointer<Float>, _ runs: WindowRuns, _ strips: UnsafePointer<Float>, _ quarterStride: Int,
                                       _ c: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                                       _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float, _ start: Bool, _ finish: Bool) {
        var row = start ? PanelRow() : PanelRow(loading: c)
        var sp = strips
        for s in 0..<runs.count { row.add(a + s * runs.stride, runs.length, strips: &sp, quarterStride: quarterStride) }
        guard finish else { row.store(to: c); return }
        row.finish(inline: windowInlineEnds, c, bias, skip, low, high)
    }

    /// One window × 16 columns: one chain per vector (`windows1Wide` with `windowWideLeftovers` off).
    @inline(__always)
    private static func windows1(_ a: UnsafePointer<Float>, _ runs: WindowRuns, _ b: UnsafePointer<Float>,
                                 _ c: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                                 _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float, _ start: Bool, _ finish: Bool) {
        var c0 = F8(), c1 = F8()
        if !start { (c0, c1) = (load(c), load(c + 8)) }
        var bp = b
        for s in 0..<runs.count {
            let row = a + s * runs.stride
            for i in 0..<runs.length {
                let x = F8(repeating: row[i])
                c0 = c0.addingProduct(x, load(bp)); c1 = c1.addingProduct(x, load(bp + 8))
                bp += panelWidth
            }
        }
        guard finish else { store(c0, c); store(c1, c + 8); return }
        windowFinish(windowInlineEnds, c0, c1, c, bias, skip, low, high)
    }
}
