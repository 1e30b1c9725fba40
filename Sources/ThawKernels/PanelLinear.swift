import Dispatch
import ThawBLAS

/// A fully connected layer for frozen inference with its weight repacked once, at load, into the
/// 64-column panels of the panel kernel (`PanelKernel.gemm`: AVX-512 or AVX2+FMA): y = x · Wᵀ + b with
/// Wᵀ [in, out] stored as [out/64][in][64] (where the AVX2 kernels run, each panel as its strips [4][in][16]:
/// `PanelStrips`). Why: OpenBLAS packs B on every sgemm call, and for a
/// transformer's token rows (ViT-S/14 at 224: 257 rows, in 384 or 1,536) that packing and its
/// static split over the threads cost a visible share of the multiply-adds; here each call only
/// reads the panels, the bias and an optional residual are added in registers before the only
/// store, and GELU runs on each tile while it is still in cache.
///
/// Tiles of the output (`ConvTiles.grid`, columns on panel boundaries) are taken by the cores one
/// by one. Results equal `Linear.forward`'s up to float rounding (another summation order: `kBlock`).
public struct PanelLinear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    let panels: [Float]     // [out/64][in][64], or with `inStrips` [out/64][4][in][16]
    /// Whether `panels` are in the AVX2 build's strip layout (`PanelStrips.packs` when the layer was packed).
    let inStrips: Bool
    let bias: [Float]       // [out]

    /// Whether models pack their layers at load (false: they keep `Linear.forward` on OpenBLAS, for
    /// same-binary comparisons). Read when a model loads.
    nonisolated(unsafe) public static var packsAtLoad = true

    /// Inputs summed per register pass: y = ((Σ₀ + b) + residual) + Σ₁ + Σ₂ + …, Σⱼ over inputs
    /// 256j…256j+255 in order (fixed: the same floats whatever the tiles). One pass over a long K rounds
    /// into an ever larger partial sum; measured on all-MiniLM-L6-v2 against float64 PyTorch
    /// (`BERTTests`, worst relative error over layers 4–5 / its RMS): one pass 1.03e-4 / 2.8e-6, over the
    /// 1e-4 bar (the K = 1,536 ffn-down alone, emulated in float32, is the largest share: 5.0e-5 of it);
    /// blocks of 384 5.1e-5 / 2.1e-6; of 256 4.3e-5 / 1.6e-6; OpenBLAS 6.1e-5 / 2.1e-6. Each extra block
    /// costs one load and store of the 6 × 64 register block while it is in L1 (24 of each per 256 × 24 multiply-adds).
    /// A variable for same-binary comparisons (`thaw-backbones-bench --k-block`); set before forwards start.
    nonisolated(unsafe) public static var kBlock = 256

    /// What runs on each output tile after the GEMM.
    public enum Activation: Sendable { case identity, gelu, quickGELU }

    /// `p` packed, or nil when the panel kernel cannot run it: the CPU lacks AVX-512 and AVX2+FMA, `packsAtLoad` is
    /// off, or the output features are not a multiple of 64.
    public static func packing(_ p: LinearParameters) -> PanelLinear? {
        let w = PanelKernel.width
        guard packsAtLoad, VectorISA.packedKernels, p.outFeatures % w == 0, p.inFeatures > 0 else { return nil }
        return PanelLinear(p)
    }

    /// Packs `p` whatever the CPU (tests call it; `forward` needs `VectorISA.packedKernels`).
    init(_ p: LinearParameters) {
        let w = PanelKernel.width, k = p.inFeatures, n = p.outFeatures
        precondition(n % w == 0, "PanelLinear: out features \(n) must be a multiple of \(w)")
        var packed = [Float](repeating: 0, count: k * n)
        p.weight.withUnsafeBufferPointer { wt in                       // [out, in]
            packed.withUnsafeMutableBufferPointer { dst in
                for panel in 0..<(n / w) {
                    for j in 0..<w {
                        let row = wt.baseAddress! + (panel * w + j) * k, col = dst.baseAddress! + panel * k * w + j
                        for i in 0..<k { col[i * w] = row[i] }
                    }
                }
            }
        }
        inStrips = PanelStrips.packs
        if inStrips { PanelStrips.restripe(&packed, k: k) }
        inFeatures = k
        outFeatures = n
        panels = packed
        bias = p.bias
    }

    /// Whether a `prologue` runs as the first phase of the tiles' dispatch (`PhaseChain`: one wake-up of the
    /// other core instead of two) rather than as a dispatch of its own. Set before forwards start.
    nonisolated(unsafe) public static var fusesPrologue = true

    /// Whether GELU runs inside the AVX2 panel GEMM on each block of ≤ 6 rows × 64 columns as soon as its sums are
    /// stored (in L1), rather than over the finished tile row by row (a tile of 2¹⁸ floats is past L2). Weights in
    /// strips only (the AVX2 build); the same floats either way. Set before forwards start. Off: MiniLM b32's CPU per
    /// forward measured 0.95–1.02× (median ≈ 1.00) against GELU after the tile.
    nonisolated(unsafe) public static var geluInGEMM = false

    /// Whether `forward`'s `rowEpilogue` runs on each tile's rows right after the tile (tiles spanning every column;
    /// the rows partly still in L2) rather than in a pass of its own over all rows once every tile is done. The same
    /// floats either way: the epilogue sees the same finished rows. Set before forwards start. Off: MiniLM b32's
    /// forward measured the same CPU and wall either way (benchmarks/backbones/README.md).
    nonisolated(unsafe) public static var rowEpilogueInTiles = false

    /// y [rows, out] = act(x [rows, in] · Wᵀ + b), or with `accumulate` y += x · Wᵀ + b (then `activation`
    /// must be `.identity`: a residual connection). y must not overlap x. Needs `VectorISA.packedKernels`.
    /// `prologue(0..<prologueUnits)`: independent work that produces x (e.g. the LayerNorm of its rows, by row
    /// chunks), every unit finished before any tile starts.
    /// `rowEpilogue(range)`: work on finished rows of y, each row once (e.g. a LayerNorm of y in place); in the tile's
    /// dispatch when the tiles span all columns (`rowEpilogueInTiles`), else over all rows after the tiles.
    public func forward(x: UnsafePointer<Float>, rows: Int, y: UnsafeMutablePointer<Float>, accumulate: Bool = false,
                        activation: Activation = .identity, prologueUnits: Int = 0, prologue: (Int) -> Void = { _ in },
                        rowEpilogue: ((Range<Int>) -> Void)? = nil) {
        // `packing` packed the layer on a CPU with one of the two builds; `PanelKernel.gemm` picks by `VectorISA.avx512`.
        precondition(VectorISA.avx512 || CPUFeatures.current.hasAVX2FMA, "PanelLinear.forward: runs only on AVX-512 or AVX2+FMA CPUs (see `packing`)")
        precondition(!accumulate || activation == .identity, "PanelLinear.forward: accumulate takes no activation")
        guard rows > 0 else { return }
        let k = inFeatures, n = outFeatures, width = PanelKernel.width
        let grid = PanelLinear.grid(m: rows, n: n, cores: ParallelRows.cores)
        // Whole rows per tile: the row epilogue may run on a tile's rows as soon as it is done.
        let epilogueInTiles = rowEpilogue != nil && grid.columnTiles == 1 && PanelLinear.rowEpilogueInTiles
        panels.withUnsafeBufferPointer { pb in
            bias.withUnsafeBufferPointer { bb in
                let packed = pb.baseAddress!, b = bb.baseAddress!
                let run = { (t: Int) in
                    let rr = grid.rows(t), cc = grid.columns(t)
                    if rr.isEmpty || cc.isEmpty { return }
                    let out = y + rr.lowerBound * n
                    let geluInGEMM = activation == .gelu && inStrips && PanelLinear.geluInGEMM
                    // In place: each 64-column block loads its residual before its only store.
                    PanelKernel.gemm(rows: rr.count, k: k, a: x + rr.lowerBound * k, lda: k, packed: packed,
                                     panels: (cc.lowerBound / width)..<(cc.upperBound / width), c: out, ldc: n,
                                     bias: b, residual: accumulate ? UnsafePointer(out) : nil, ldr: n,
                                     low: -.infinity, high: .infinity, kBlock: PanelLinear.kBlock, inStrips: inStrips,
                                     gelu: geluInGEMM)
                    if epilogueInTiles { rowEpilogue!(rr) }
                    // Else GELU on the tile while it is in cache, straight to the vector kernel (`GELU.forward` would
                    // ask the core count per call, which costs more than a row segment's arithmetic).
                    guard activation == .gelu && !geluInGEMM else { return }
                    for r in 0..<rr.count {
                        let row = out + r * n + cc.lowerBound
                        PanelKernel.gelu(row, count: cc.count)
                    }
                }
                if prologueUnits > 0 && PanelLinear.fusesPrologue && ParallelRows.cores > 1 {
                    PhaseChain.run(counts: [prologueUnits, grid.count], workers: ParallelRows.cores) { phase, unit, _ in
                        if phase == 0 { prologue(unit) } else { run(unit) }
                    }
                    return
                }
                if prologueUnits > 1 { DispatchQueue.concurrentPerform(iterations: prologueUnits, execute: prologue) }
                if prologueUnits == 1 { prologue(0) }
                if grid.count == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: grid.count, execute: run) }
            }
        }
        if let rowEpilogue, !epilogueInTiles { TransformerRows.forEach(rows: rows, costPerRow: 3 * n, rowEpilogue) }
        // QuickGELU (CLIP) has no tile kernel: one pass over the whole output.
        if activation == .quickGELU { QuickGELU.forward(x: y, count: rows * n, y: y) }
    }
}
