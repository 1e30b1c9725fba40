import ThawKernelsAVX2

/// How a convolution's GEMM C [M, N] = A [M, K] · B [K, N] (M = output pixels, N = Cout) is cut into
/// tiles that the cores take one by one, each tile one single-threaded sgemm followed at once by its
/// epilogue (bias, the skip connection, the activation) while the tile's output is still in cache.
///
/// Why not OpenBLAS's own threads: it splits one GEMM into static halves (a core that the shared
/// machine slows for a moment makes the other wait), its idle threads spin for a while after each call
/// and compete with the element-wise work, and the epilogue would be one more pass over a whole map
/// (at batch 32 the 1×1 convolutions of layer1 write 100 MB). Tiles taken dynamically keep both cores
/// busy at batch 1 and make the epilogue free of extra memory traffic at batch 32.
///
/// Each tile packs its own rows of A and columns of B, so the grid trades balance (enough tiles per
/// core) against packing (columns tiles re-pack A, row tiles re-pack B): large maps are cut into row
/// tiles whose output fits `tileFloats`, small ones (deep layers at batch 1) into about `tilesPerCore`
/// tiles per core, the grid that packs the least.
public enum ConvTiles {
    /// ResNet convolutions run through tiles (`Conv2D.forward(_:batch:height:width:adding:then:into:workspace:)`);
    /// false: the plain path (OpenBLAS's threads or `SplitGEMM`, then separate epilogue and residual passes).
    /// Process-wide, like `SplitGEMM.enabled`: set it before forwards start.
    nonisolated(unsafe) public static var enabled = true
    /// Tiles per core for small GEMMs (more let a core that runs slower take fewer of them).
    nonisolated(unsafe) public static var tilesPerCore = 4
    /// Convolutions holding packed panels (`Conv2D.preparingPanels()`) run their tiles on the panel kernel
    /// (AVX-512, or its AVX2 build without it: `VectorISA.packedKernels`) instead of OpenBLAS (no packing per call; the epilogue in registers). Set before forwards start.
    nonisolated(unsafe) public static var panelKernel = true
    /// On the panel kernel, convolutions other than 1×1 stride 1 (the stem, stride-2 and downsample layers) read
    /// their windows straight from the map (`AVX512Kernels.windowPanelGEMM`) instead of an im2col copy; false:
    /// im2col. Set before forwards start.
    nonisolated(unsafe) public static var directWindows = true
    /// The AVX2 window kernel sums one window row per pass over a tile's rows (`AVX2Kernels.windowPanelGEMM`'s
    /// `segmentPasses`: a row's slice of the panel stays in L2 for every row block) instead of the whole window per
    /// row block; sums differ from the AVX-512 build's by rounding. On: ResNet-50 took 0.95–0.98× the CPU time
    /// per forward at batch 1 and 32 (benchmarks/backbones/README.md). Off by default: the AVX-512 build's floats, so
    /// a cache or a fine-tune gives the same numbers on either CPU (`scripts/same_results.py`: with passes on, the
    /// seeded ResNet-18 fine-tune's epoch-0 loss moved 6.99020 → 6.99021). Set before forwards start.
    nonisolated(unsafe) public static var windowPasses = false
    /// > 0: the AVX2 window kernel runs each panel as groups of window rows whose slice of one 16-column quarter is at
    /// most this many floats, each quarter over all of a tile's rows (`AVX2Kernels.windowPanelGEMM`'s
    /// `quarterBlockFloats`: the slice stays in L2 across row blocks instead of the panel streaming from L3 per
    /// block — layer4's 3×3 panel is 1.2 MB), raw sums kept in C between groups: the floats of one pass, the AVX-512
    /// build's. 0: one pass, a block's quarters back to back. Ignored when `windowPasses` is on. Default 8192 floats
    /// (32 KB: groups of one window row for the 3×3 convolutions of layer2–4, the stem and the downsample 1×1s of
    /// layer1–3 keep one pass): ResNet-50 took 0.94–0.98× the CPU time per forward at batch 1, 0.985× at batch 32,
    /// layer4's 3×3 0.63–0.88× (benchmarks/backbones/README.md). Set before forwards start.
    nonisolated(unsafe) public static var windowQuarterBlockFloats = 8192
    /// Quarter blocks (`windowQuarterBlockFloats`) over at most this many rows at once: with more, the tile's windows
    /// are read from beyond L2 once per quarter (ResNet-50 at batch 32: layer2.0's 3×3 in tiles of 784–882 rows), so
    /// larger tiles run them over slabs of rows (`windowRowSlabs`) or in one pass. Batch 1's deep layers (49–196 rows per tile) and batch 32's layer3–4 (196) take them. Set before forwards start.
    nonisolated(unsafe) public static var windowQuarterBlockRows = 256
    /// The AVX2 window kernel's last 1–3 rows of a tile as one window × 64 columns, eight FMA chains instead of two
    /// (`AVX2Kernels.windowWideLeftovers`; false: one quarter at a time; the same floats either way).
    public static var windowWideLeftovers: Bool {
        get { AVX2Kernels.windowWideLeftovers }
        set { AVX2Kernels.windowWideLeftovers = newValue }
    }

    /// The AVX2 window kernel's block epilogues inlined (true, the default) or one call per row
    /// (`AVX2Kernels.windowInlineEnds`; the same floats).
    public static var windowInlineEnds: Bool {
        get { AVX2Kernels.windowInlineEnds }
        set { AVX2Kernels.windowInlineEnds = newValue }
    }

    /// Quarter blocks (`windowQuarterBlockFloats`) cut a window run whose quarter slice alone exceeds the block into
    /// pieces within it (`AVX2Kernels.windowRunPieces`, on; false: groups of whole runs; the same floats either way).
    public static var windowRunPieces: Bool {
        get { AVX2Kernels.windowRunPieces }
        set { AVX2Kernels.windowRunPieces = newValue }
    }
    /// Tiles with more rows than `windowQuarterBlockRows` run quarter blocks over slabs of about that many rows instead of
    /// one pass (`AVX2Kernels.windowRowSlabs`, on; false: one pass; the same floats either way).
    public static var windowRowSlabs: Bool {
        get { AVX2Kernels.windowRowSlabs }
        set { AVX2Kernels.windowRowSlabs = newValue }
    }
    /// The AVX2 window kernel's 6- and 4-row blocks read contiguous 16-column weight strips copied per call (per group
    /// with quarter blocks) instead of the panel in place (`AVX2Kernels.windowStrips`; the same floats either way).
    public static var windowStrips: Bool {
        get { AVX2Kernels.windowStrips }
        set { AVX2Kernels.windowStrips = newValue }
    }
    /// AVX2 window convolutions whose grid has several row tiles (or several chunks of images) cut their weights into
    /// strips once per call, over the cores, in a workspace buffer the size of the weights, which every tile reads
    /// (`AVX2Kernels.windowPanelGEMM`'s `strips`), instead of each tile copying its panels into strips of its own
    /// (batch 1: layer2.0's 3×3/2 in 8 row tiles copied each weight 8 times). The same floats either way. Set before
    /// forwards start.
    nonisolated(unsafe) public static var windowSharedStrips = true
    /// The AVX2 window kernel's leftover single rows read the weight strips instead of the panel (`AVX2Kernels.windowStripLeftovers`;
    /// the same floats either way).
    public static var windowStripLeftovers: Bool {
        get { AVX2Kernels.windowStripLeftovers }
        set { AVX2Kernels.windowStripLeftovers = newValue }
    }
    /// The AVX2 window kernel copies its strips reading each panel row once in order (`AVX2Kernels.windowStripsInOrder`;
    /// false: quarter by quarter; the same floats either way).
    public static var windowStripsInOrder: Bool {
        get { AVX2Kernels.windowStripsInOrder }
        set { AVX2Kernels.windowStripsInOrder = newValue }
    }
    /// AVX2 window convolutions that share strips (`windowSharedStrips`) and copy a padded map run the first chunk's
    /// map copy in the strips' parallel region instead of a region of its own (one dispatch and one wait fewer; the
    /// same floats). Set before forwards start.
    nonisolated(unsafe) public static var windowCopiesTogether = false
    /// Benchmarks only: called after each window convolution tile (`Conv2D.forwardWindowTiles`) with when and on which
    /// thread it ran, to see how the tiles spread over the cores. nil (default): no clock is read. Set before forwards
    /// start; called from several threads at once.
    nonisolated(unsafe) public static var windowTileTrace: (@Sendable (WindowTileEvent) -> Void)?
    /// A layer's tiles are claimed from both ends (`WorkerTeam.run(fromBothEnds:)`): the calling thread takes the first
    /// tiles (the top rows), the other core the last, so on two cores the next layer's top rows mostly read rows the same
    /// core wrote instead of tiles alternating between the cores. The same floats (each tile's arithmetic is unchanged).
    /// On: ResNet-50 batch 1 took 0.958× the wall and 0.956× the CPU per forward on an idle machine, batch 32 0.99× (within
    /// noise under load; benchmarks/backbones/README.md). Set before forwards start.
    nonisolated(unsafe) public static var claimsFromBothEnds = true
    /// Output floats one tile of a large GEMM writes (256 Ki floats = 1 MiB, a Zen 4 core's L2).
    nonisolated(unsafe) public static var tileFloats = 1 << 18

    /// A grid of `rowTiles` × `columnTiles` tiles over C [m, n]; tile t covers `rows(t)` × `columns(t)`.
    public struct Grid: Equatable, Sendable {
        public let m: Int, n: Int
        public let rowTiles: Int, columnTiles: Int
        /// Column boundaries fall on multiples of this (16: OpenBLAS micro-kernel panels; 64: packed panels).
        public let align: Int
        public var count: Int { rowTiles * columnTiles }

        /// Row range of tile `t` (tiles run row-major: consecutive tiles share rows of A).
        public func rows(_ t: Int) -> Range<Int> { Self.part(t / columnTiles, of: rowTiles, extent: m) }
        /// Column range of tile `t`, on multiples of `align` except the end of the last.
        public func columns(_ t: Int) -> Range<Int> { Self.part(t % columnTiles, of: columnTiles, extent: n, align: align) }

        static func part(_ i: Int, of parts: Int, extent: Int, align: Int = 16) -> Range<Int> {
            if parts == 1 { return 0..<extent }
            let lo = i == 0 ? 0 : (extent * i / parts) / align * align
            let hi = i == parts - 1 ? extent : (extent * (i + 1) / parts) / align * align
            return lo..<hi
        }
    }

    /// The grid for C [m, n] on `cores` cores, column boundaries on multiples of `align`.
    public static func grid(m: Int, n: Int, cores: Int, align: Int = 16) -> Grid {
        precondition(m > 0 && n > 0 && cores > 0, "ConvTiles.grid: sizes must be positive, got m \(m), n \(n), cores \(cores)")
        let want = cores * tilesPerCore
        // Large: columns of at most 512, rows so that a tile's output fits tileFloats (≥ 128 rows, which
        // keeps the per-tile packing of B below a few % of its multiply-adds).
        let columnTiles = (n + 511) / 512
        let rowsPerTile = max(128, tileFloats / ((n + columnTiles - 1) / columnTiles))
        let rowTiles = (m + rowsPerTile - 1) / rowsPerTile
        if rowTiles * columnTiles >= want {
            return Grid(m: m, n: n, rowTiles: rowTiles, columnTiles: columnTiles, align: align)
        }
        // Small: the most tiles up to `want` (rows ≥ 16, columns ≥ 64 each), then the least packing
        // (column tiles × m + row tiles × n floats per unit of K).
        var best = Grid(m: m, n: n, rowTiles: 1, columnTiles: 1, align: align)
        var bestCost = Int.max
        for r in 1...want where r == 1 || m / r >= 16 {
            for c in 1...(want / r) where c == 1 || n / c >= max(64, align) {
                let count = r * c, cost = c * m + r * n
                if count > best.count || (count == best.count && cost < bestCost) {
                    best = Grid(m: m, n: n, rowTiles: r, columnTiles: c, align: align)
                    bestCost = cost
                }
            }
        }
        return best
    }
}

/// y = clamp(y + bias + residual, low, high) over a tile: rows × cols at stride ldy (bias [cols] or nil,
/// residual at stride ldr or nil), on the calling thread; the AVX-512 build where the CPU has it.
@inline(__always)
func tileEpilogue(_ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ldy: Int, bias: UnsafePointer<Float>?,
                  residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float) {
    guard let residual else {
        if let build = VectorISA.packedBuild {
            build.biasClampRows(y, rows: rows, channels: cols, ldy: ldy, bias: bias, low: low, high: high)
            return
        }
        for r in 0..<rows {
            let row = y + r * ldy
            if let bias {
                for i in 0..<cols { row[i] = min(max(row[i] + bias[i], low), high) }
            } else if low != -.infinity || high != .infinity {
                for i in 0..<cols { row[i] = min(max(row[i], low), high) }
            }
        }
        return
    }
    if let build = VectorISA.packedBuild {
        build.biasResidualClampRows(y, rows: rows, cols: cols, ldy: ldy, bias: bias, residual: residual, ldr: ldr,
                                    low: low, high: high)
        return
    }
    for r in 0..<rows {
        let row = y + r * ldy, skip = residual + r * ldr
        if let bias {
            for i in 0..<cols { row[i] = min(max((row[i] + bias[i]) + skip[i], low), high) }
        } else {
            for i in 0..<cols { row[i] = min(max(row[i] + skip[i], low), high) }
        }
    }
}
