/// A transformer's feed-forward block on the panel kernel by row blocks: for each block of `rowBlock` token rows,
/// up-projection + GELU into a per-worker scratch [rowBlock, I], then the down-projection added onto y's rows, then
/// `rowEpilogue` on them (e.g. the LayerNorm) — so the [rows, I] intermediate never goes to memory whole (MiniLM b32:
/// 4,096 × 1,536 floats, 25 MB, past L3's share) and the block's rows stay in L2 between the two GEMMs.
/// The weights stream from L3 once per row block instead of once per tile of 512 rows.
///
/// Every output element runs the same chain as `up.forward` (GELU) then `down.forward` (accumulate): the same
/// K passes, the same GELU kernel per row, so the same floats whatever the blocks.
public enum PanelFeedForward {
    /// Token rows per block (a multiple of 6, the panel kernel's block height); 0 = off: `up.forward` over all rows,
    /// then `down.forward`. 96: MiniLM b32's forward took 1.02–1.06× less CPU than with 0 (in-process alternation,
    /// benchmarks/backbones/README.md); 48 ≈ 1.01, 144 and 192 as 96. Set before forwards start.
    nonisolated(unsafe) public static var rowBlock = 96

    /// y [rows, C] += GELU(x [rows, C] · W₁ᵀ + b₁) · W₂ᵀ + b₂, then `rowEpilogue` on finished rows; y may be x
    /// (each block reads its rows of x before it writes them). `scratch` [rows, I] serves the path without blocks.
    public static func forward(up: PanelLinear, down: PanelLinear, x: UnsafePointer<Float>, rows: Int,
                               y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                               rowEpilogue: ((Range<Int>) -> Void)? = nil) {
        precondition(up.outFeatures == down.inFeatures && up.inFeatures == down.outFeatures,
                     "PanelFeedForward: \(up.inFeatures)→\(up.outFeatures) then \(down.inFeatures)→\(down.outFeatures)")
        let block = rowBlock
        guard block > 0, rows > block, up.inStrips == down.inStrips else {
            up.forward(x: x, rows: rows, y: scratch, activation: .gelu)
            down.forward(x: scratch, rows: rows, y: y, accumulate: true, rowEpilogue: rowEpilogue)
            return
        }
        let c = up.inFeatures, inner = up.outFeatures, width = PanelKernel.width
        let units = (rows + block - 1) / block, workers = min(ParallelRows.cores, units)
        // One [block, I] scratch per worker, on a 64-byte boundary.
        let perWorker = block * inner
        let raw = UnsafeMutableRawPointer.allocate(byteCount: workers * perWorker * 4, alignment: 64)
        defer { raw.deallocate() }
        let blocks = raw.bindMemory(to: Float.self, capacity: workers * perWorker)
        up.panels.withUnsafeBufferPointer { upPanels in up.bias.withUnsafeBufferPointer { upBias in
        down.panels.withUnsafeBufferPointer { downPanels in down.bias.withUnsafeBufferPointer { downBias in
            let w1 = upPanels.baseAddress!, b1 = upBias.baseAddress!, w2 = downPanels.baseAddress!, b2 = downBias.baseAddress!
            PhaseChain.run(counts: [units], workers: workers) { _, unit, worker in
                let r0 = unit * block, n = min(block, rows - r0)
                let f = blocks + worker * perWorker
                PanelKernel.gemm(rows: n, k: c, a: x + r0 * c, lda: c, packed: w1, panels: 0..<(inner / width), c: f, ldc: inner,
                                 bias: b1, residual: nil, ldr: inner, low: -.infinity, high: .infinity,
                                 kBlock: PanelLinear.kBlock, inStrips: up.inStrips)
                for r in 0..<n { PanelKernel.gelu(f + r * inner, count: inner) }
                let out = y + r0 * c
                PanelKernel.gemm(rows: n, k: inner, a: f, lda: inner, packed: w2, panels: 0..<(c / width), c: out, ldc: c,
                                 bias: b2, residual: UnsafePointer(out), ldr: c, low: -.infinity, high: .infinity,
                                 kBlock: PanelLinear.kBlock, inStrips: down.inStrips)
                rowEpilogue?(r0..<r0 + n)
            }
        }}}}
    }
}
