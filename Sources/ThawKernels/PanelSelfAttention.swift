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
}
