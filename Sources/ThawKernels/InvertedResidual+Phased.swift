/// An inverted-residual block at batches below the core count on maps too small for row segments
/// (14×14, 7×7, and 28×28 at stride 1, at batch 1): three phases in one dispatch (`PhaseChain`),
///   expand   units = 32-column panels × row parts of the packed 1×1 (bias + ReLU6 fused) → e [n·h·w, mid]
///   depthwise units = output rows (bias + ReLU6 fused)                                  → d [n·OH·OW, mid]
///   project  units = panels × row parts (bias and the skip fused)                       → y [n·OH·OW, out]
/// so both cores share each layer without splitting rows (no halo rows recomputed) and without a
/// dispatch, an OpenBLAS call and a separate epilogue pass per layer. Needs a packed 1×1 kernel (AVX-512 or
/// AVX2+FMA: `VectorISA.packedKernels`); elsewhere the block runs layer by layer (OpenBLAS 1×1). Results equal
/// the layered path's to float rounding.
extension InvertedResidual {
    /// The stages of a forward below the core count (batch 1) run as one region — the stem's rows, the fused blocks'
    /// row segments (`bandPhase`), the phased blocks' phases (`phases`), the head, pool and fc, chained
    /// (`PhaseChain`) — instead of one region per stage; off: a region per stage. Same floats (the same units).
    nonisolated(unsafe) public static var chainsStages = true
    /// The batch-1 forward's chain claims each phase's units from both ends (`PhaseChain(_:fromBothEnds:)`): on two
    /// cores each keeps its half of the rows from one block's row segments to the next, so a segment reads rows its
    /// own core wrote. In process, two cores busy: MobileNetV2 b1 1.03–1.035, Lite0 b1 1.07–1.08 when moving maps
    /// between the cores is slow, 0.997–1.001 when it is not. Off: in order. Same floats (the same units).
    nonisolated(unsafe) public static var chainClaimsFromBothEnds = true
    /// In the batch-1 chain the head's units also pool their columns (`PackedPointwise.pooledParallelPhase`) when the
    /// pool follows the head in the chain: no one-unit pool phase reading the 1280-channel map both cores wrote.
    /// On with `chainReadsInput`: the two together measured MobileNetV2 b1 1.004–1.012 and Lite0 b1 1.003–1.032 in
    /// process (7 runs each, idle seconds, both host phases; an A/A control 0.990–1.006). Off: the pool as its own
    /// phase (benchmarks compare: `--alternate head-pool=0,1`, `pool-and-input=0,1`). Same floats.
    nonisolated(unsafe) public static var chainPoolsInHead = true
    /// A batch-1 chain that starts at the stem reads the input tensor where it lies instead of a copy in the
    /// forward's workspace (224×224×3: 602 KB copied on one core while the other waits). On (with `chainPoolsInHead`,
    /// above); off: copied (`--alternate input-in-place=0,1`). Same floats (the same values read).
    nonisolated(unsafe) public static var chainReadsInput = true

    /// True when `forwardPhased` should run a block the band plan declined (`plan(...)` nil): fusion and the
    /// packed kernel on (AVX-512 or AVX2+FMA), a batch below the core count.
    public static func usesPhased(batch n: Int, cores: Int? = nil) -> Bool {
        enabled && PackedPointwise.enabled && VectorISA.packedKernels && n < (cores ?? ParallelRows.cores)
    }

    /// Floats of scratch `forwardPhased` needs: e [n, h, w, mid] (without expand: none) + d [n, OH, OW, mid].
    public static func phasedScratch(expand: PackedPointwise?, depthwise: DepthwiseConv2D, batch n: Int, height h: Int, width w: Int) -> Int {
        let g = depthwise.geometry(height: h, width: w)
        return (expand == nil ? 0 : n * h * w * depthwise.channels) + n * g.outPixels * depthwise.channels
    }

    /// y [n, OH, OW, out] = block(x [n, h, w, in]); `scratch` holds `phasedScratch(...)` floats; y overlaps
    /// neither x nor scratch. `skip`: y += x (stride 1, in == out). `cores` nil: this machine's.
    /// Needs `VectorISA.packedKernels` (check `usesPhased`): without it the packed kernel's BLAS fallback would run
    /// multi-threaded OpenBLAS inside each worker.
    public static func forwardPhased(expand: PackedPointwise?, depthwise: DepthwiseConv2D, project: PackedPointwise, skip: Bool,
                                     x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                                     into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, cores: Int? = nil) {
        let workers = cores ?? ParallelRows.cores
        // No BLAS inside (packed kernels only), so OpenBLAS's thread count is left alone.
        PhaseChain(phases(expand: expand, depthwise: depthwise, project: project, skip: skip, x: x, batch: n, height: h, width: w,
                          into: y, scratch: scratch, workers: workers)).run(workers: workers)
    }

    /// `forwardPhased`'s phases (its arguments and contract; `workers` nil: this machine's cores), for a caller that runs several blocks' phases in one
    /// region (`PhaseChain`): three phases split by rows and panels, or two by channel slabs (`channelSlabPhases`).
    public static func phases(expand: PackedPointwise?, depthwise: DepthwiseConv2D, project: PackedPointwise, skip: Bool,
                              x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                              into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, workers: Int? = nil) -> [Phase] {
        let workers = workers ?? ParallelRows.cores
        let g = depthwise.geometry(height: h, width: w)
        let mid = depthwise.channels, cin = expand?.inChannels ?? mid, cout = project.outChannels
        precondition(project.inChannels == mid && (expand?.outChannels ?? mid) == mid,
                     "InvertedResidual.forwardPhased: expand → \(expand?.outChannels ?? mid), depthwise \(mid), project from \(project.inChannels) channels")
        precondition(!skip || (g.strideH == 1 && g.strideW == 1 && cin == cout), "InvertedResidual: a skip needs stride 1 and in == out")
        if channelSlabs && depthwise.runsSlabs(g) {
            return channelSlabPhases(expand: expand, depthwise: depthwise, project: project, skip: skip, x: x, batch: n, height: h, width: w,
                                     geometry: g, into: y, scratch: scratch, workers: workers)
        }
        let inRows = n * h * w, outRows = n * g.outPixels
        let e = scratch                                          // [n·h·w, mid]
        let d = expand == nil ? scratch : scratch + inRows * mid // [n·OH·OW, mid]
        let source: UnsafePointer<Float> = expand == nil ? x : UnsafePointer(e)
        let ePanels = expand?.panelCount ?? 0, pPanels = project.panelCount
        let eParts = rowParts(rows: inRows, panels: max(1, ePanels), workers: workers)
        let pParts = rowParts(rows: outRows, panels: pPanels, workers: workers)
        return [
            Phase(count: ePanels * eParts, label: "expand") { u in
                let panel = u % ePanels, r = part(u / ePanels, of: eParts, rows: inRows)
                expand!.forward(x + r.lowerBound * cin, rows: r.count, panels: panel..<panel + 1, into: e + r.lowerBound * mid)
            },
            Phase(count: n * g.outHeight, label: "depthwise") { u in
                let image = u / g.outHeight, oh = u % g.outHeight
                depthwise.forwardRows(source + image * h * w * mid, geometry: g, rows: oh..<oh + 1,
                                      into: d + (image * g.outHeight + oh) * g.outWidth * mid)
            },
            Phase(count: pPanels * pParts, label: "project") { u in
                let panel = u % pPanels, r = part(u / pPanels, of: pParts, rows: outRows)
                project.forward(d + r.lowerBound * mid, rows: r.count, panels: panel..<panel + 1,
                                residual: skip ? x + r.lowerBound * cout : nil, into: y + r.lowerBound * cout)
            },
        ]
    }

    /// Row parts per panel so that the cores get ≥ 4 units each, each part ≥ 16 rows.
    static func rowParts(rows: Int, panels: Int, workers: Int) -> Int {
        max(1, min((4 * workers + panels - 1) / panels, rows / 16))
    }

    /// Rows of part `i` of `parts` over `rows`, cut on multiples of 8 (whole kernel tiles).
    static func part(_ i: Int, of parts: Int, rows: Int) -> Range<Int> {
        let lo = i == 0 ? 0 : (rows * i / parts) & ~7
        let hi = i == parts - 1 ? rows : (rows * (i + 1) / parts) & ~7
        return lo..<hi
    }
}

extension PackedPointwise {
    /// Rows up to which `forwardParallel` runs the packed kernel by default (above: the caller's BLAS path).
    public static let parallelMaxRows = 1024

    /// y [rows, N] = act(x [rows, K] · W + bias) on all cores (panels × row parts, one dispatch) when the
    /// packed kernel runs (AVX-512 or AVX2+FMA) and rows are few (a head at batch 1: 49 rows × 1280 columns); nil when the caller
    /// should use its own path (BLAS handles many rows better: it blocks x for the cache).
    public func forwardParallel(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
                                maxRows: Int = PackedPointwise.parallelMaxRows, cores: Int? = nil) -> Bool {
        let workers = cores ?? ParallelRows.cores
        guard let phase = parallelPhase(x, rows: rows, into: y, maxRows: maxRows, workers: workers) else { return false }
        PhaseChain([phase]).run(workers: workers)
        return true
    }

    /// `forwardParallel`'s units as one phase (for a caller that chains it after other phases: `PhaseChain`), or nil
    /// when `forwardParallel` would return false. `workers` nil: this machine's cores.
    public func parallelPhase(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
                              maxRows: Int = PackedPointwise.parallelMaxRows, workers: Int? = nil) -> Phase? {
        guard Self.enabled, VectorISA.packedKernels, rows > 0, rows <= maxRows else { return nil }
        let workers = workers ?? ParallelRows.cores
        let panels = panelCount, parts = InvertedResidual.rowParts(rows: rows, panels: panels, workers: workers)
        return Phase(count: panels * parts, label: "1x1") { u in
            let panel = u % panels, r = InvertedResidual.part(u / panels, of: parts, rows: rows)
            forward(x + r.lowerBound * inChannels, rows: r.count, panels: panel..<panel + 1, into: y + r.lowerBound * outChannels)
        }
    }
}
