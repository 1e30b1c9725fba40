import ThawBLAS

/// Self-attention for frozen inference with its two projections on the panel kernel (`PanelLinear`):
/// the stacked Q|K|V projection [C → 3C] and the output projection [C → C], packed once at load.
/// The same three steps as `StackedSelfAttention.forward` (and its `Workspace`): qkv = x·W_qkvᵀ + b,
/// the attention core reading Q, K and V in place (row stride 3C) — `PanelAttentionCore` for heads of 64
/// channels, else `SelfAttention.core` —, y (+)= context·W_oᵀ + b_o.
public struct PanelSelfAttention: Sendable {
    public let qkv: PanelLinear       // [C → 3C]: query, key, value columns
    public let output: PanelLinear    // [C → C]
    public let heads: Int

    /// `attention`'s projections packed, or nil when `PanelLinear.packing` declines either.
    public init?(_ attention: StackedSelfAttention) {
        guard let q = PanelLinear.packing(attention.qkv), let o = PanelLinear.packing(attention.output) else { return nil }
        qkv = q
        output = o
        heads = attention.heads
    }

    public var channels: Int { output.outFeatures }

    /// As `StackedSelfAttention.forward`: x, y [batch, length, C]; mask [batch, length] (0 = padding);
    /// with `accumulate`, y += attention(x), and y may be x itself (x is read by the qkv projection before y is written).
    /// `prologue(0..<prologueUnits)` produces x (e.g. its LayerNorm by row chunks) in the qkv projection's dispatch;
    /// `rowEpilogue` runs on finished rows of y (the output projection's, `PanelLinear.forward`).
    public func forward(x: UnsafePointer<Float>, mask: UnsafePointer<Int32>, batch: Int, length t: Int,
                        workspace ws: inout StackedSelfAttention.Workspace, y: UnsafeMutablePointer<Float>,
                        accumulate: Bool = false, prologueUnits: Int = 0, prologue: (Int) -> Void = { _ in },
                        rowEpilogue: ((Range<Int>) -> Void)? = nil) {
        let c = channels, rows = batch * t
        precondition(rows <= ws.maxTokens && batch * heads * t * t <= ws.maxScores,
                     "PanelSelfAttention: workspace sized for \(ws.maxTokens) tokens, called with \(batch)×\(t)")
        ws.qkv.withUnsafeMutableBufferPointer { qb in
        ws.probs.withUnsafeMutableBufferPointer { pb in
        ws.context.withUnsafeMutableBufferPointer { cb in
            let q = qb.baseAddress!, context = cb.baseAddress!
            if prologueUnits == 0 && PanelSelfAttention.bySentences && !PanelAttentionCore.runs(headWidth: c / heads)
                && batch >= 2 * ParallelRows.cores && qkv.inStrips == output.inStrips {
                forwardBySentences(x: x, mask: mask, batch: batch, length: t, q: q, probs: pb.baseAddress!, context: context, y: y,
                                   accumulate: accumulate, rowEpilogue: rowEpilogue)
                return
            }
            qkv.forward(x: x, rows: rows, y: q, prologueUnits: prologueUnits, prologue: prologue)
            if PanelAttentionCore.enabled && PanelAttentionCore.runs(headWidth: c / heads) {
                PanelAttentionCore.run(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: mask, batch: batch, length: t,
                                       heads: heads, context: context, channels: c)
            } else {
                SelfAttention.core(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: mask, batch: batch, length: t,
                                   heads: heads, probs: pb.baseAddress!, context: context, channels: c, keepsProbabilities: false)
            }
            output.forward(x: context, rows: rows, y: y, accumulate: accumulate, rowEpilogue: rowEpilogue)
        }}}
    }

    /// Whether a batch of several sentences runs sentence by sentence (`forwardBySentences`) where the attention core
    /// is `SelfAttention.core` (heads other than 64 channels: all-MiniLM-L6-v2's 32). Set before forwards start.
    nonisolated(unsafe) public static var bySentences = true

    /// The three steps per sentence, the sentences taken by the cores one by one (`PhaseChain`, one parallel region
    /// instead of three): the sentence's T rows of Q|K|V (T × 3C, 1.5 MB at 128 × 1,152), its heads' attention on
    /// the calling thread, then its rows of the output projection and `rowEpilogue` — the sentence's Q|K|V and context
    /// stay in L2/L3 between the steps instead of going through the whole [B·T, 3C] buffer. The same floats: each
    /// projection output runs the same K passes, and each (sentence, head) pair the same OpenBLAS calls on the same
    /// shapes (single-threaded either way). y may be x (a sentence reads its rows of x before writing them).
    func forwardBySentences(x: UnsafePointer<Float>, mask: UnsafePointer<Int32>, batch: Int, length t: Int,
                            q: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                            context: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
                            accumulate: Bool, rowEpilogue: ((Range<Int>) -> Void)?) {
        let c = channels, width = PanelKernel.width
        let workers = min(ParallelRows.cores, batch)
        qkv.panels.withUnsafeBufferPointer { qp in qkv.bias.withUnsafeBufferPointer { qbias in
        output.panels.withUnsafeBufferPointer { op in output.bias.withUnsafeBufferPointer { obias in
            let wq = qp.baseAddress!, bq = qbias.baseAddress!, wo = op.baseAddress!, bo = obias.baseAddress!
            BLAS.singleThreaded {
                PhaseChain.run(counts: [batch], workers: workers) { _, b, _ in
                    let r0 = b * t, rows = r0..<r0 + t
                    let qs = q + r0 * 3 * c, ctx = context + r0 * c, out = y + r0 * c
                    PanelKernel.gemm(rows: t, k: c, a: x + r0 * c, lda: c, packed: wq, panels: 0..<(3 * c / width), c: qs,
                                     ldc: 3 * c, bias: bq, residual: nil, ldr: 3 * c, low: -.infinity, high: .infinity,
                                     kBlock: PanelLinear.kBlock, inStrips: qkv.inStrips)
                    SelfAttention.core(q: qs, k: qs + c, v: qs + 2 * c, ld: 3 * c, mask: mask + r0, batch: 1, length: t,
                                       heads: heads, probs: probs + b * heads * t * t, context: ctx, channels: c, keepsProbabilities: false,
                                       maxWorkers: 1)
                    PanelKernel.gemm(rows: t, k: c, a: ctx, lda: c, packed: wo, panels: 0..<(c / width), c: out, ldc: c,
                                     bias: bo, residual: accumulate ? UnsafePointer(out) : nil, ldr: c,
                                     low: -.infinity, high: .infinity, kBlock: PanelLinear.kBlock, inStrips: output.inStrips)
                    rowEpilogue?(rows)
                }
            }
        }}}}
    }
}
