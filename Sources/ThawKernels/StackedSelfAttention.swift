/// BERT self-attention for inference with the Q, K and V projections stacked into one [3C, C]
/// weight, built once at load: one GEMM [rows, C]·[C, 3C] instead of three (its B panel is packed
/// once, and each x row is read once), then `SelfAttention.core` reads Q, K and V in place from
/// the [B·T, 3C] result with a row stride of 3C. Equals `SelfAttention.forward` up to rounding.
///
/// `SelfAttention.forward` (separate q, k, v buffers) stays the training path: its backward reads them.
public struct StackedSelfAttention: Sendable {
    public let qkv: LinearParameters      // weight [3C, C]: query rows, key rows, value rows; bias [3C]
    public let output: LinearParameters   // [C, C]
    public let heads: Int

    /// Stacks the query, key and value projections of `p` (copies them).
    public init(_ p: SelfAttentionParameters) {
        let c = p.channels
        qkv = LinearParameters(weight: p.query.weight + p.key.weight + p.value.weight,
                               bias: p.query.bias + p.key.bias + p.value.bias, inFeatures: c, outFeatures: 3 * c)
        output = p.output
        heads = p.heads
    }

    public var channels: Int { output.outFeatures }

    /// Caller-owned buffers, sized once for the largest batch.
    public struct Workspace {
        public let maxTokens: Int       // batch × length capacity
        public let maxScores: Int       // batch × heads × length² capacity
        var qkv: [Float]                // [B, T, 3C]: Q | K | V per row
        var probs: [Float]              // [B, H, T, T]
        var context: [Float]            // [B, T, C]

        public init(batch: Int, length: Int, channels: Int, heads: Int) {
            maxTokens = batch * length
            maxScores = batch * heads * length * length
            qkv = [Float](repeating: 0, count: maxTokens * 3 * channels)
            probs = [Float](repeating: 0, count: maxScores)
            context = [Float](repeating: 0, count: maxTokens * channels)
        }
    }

    /// Same contract as `SelfAttention.forward`: x, y [batch, length, C]; mask [batch, length]
    /// (0 = padding); with `accumulate`, y += attention(x) and y may be x itself; bias nil or [H, T, T]
    /// added to the scores (MPNet's relative position bias).
    public func forward(x: UnsafePointer<Float>, mask: UnsafePointer<Int32>, batch: Int, length t: Int,
                        workspace ws: inout Workspace, y: UnsafeMutablePointer<Float>, accumulate: Bool = false,
                        bias: UnsafePointer<Float>? = nil) {
        projectQKV(x: x, rows: batch * t, workspace: &ws)
        attend(mask: mask, batch: batch, length: t, workspace: &ws, bias: bias, keepsProbabilities: false)
        projectOutput(rows: batch * t, workspace: &ws, y: y, accumulate: accumulate)
    }

    // MARK: - The three steps of `forward` (public for profiling them one at a time)

    /// workspace.qkv [rows, 3C] = x [rows, C] · W_qkvᵀ + b_qkv.
    public func projectQKV(x: UnsafePointer<Float>, rows: Int, workspace ws: inout Workspace) {
        precondition(rows <= ws.maxTokens, "StackedSelfAttention: workspace sized for \(ws.maxTokens) tokens, called with \(rows)")
        ws.qkv.withUnsafeMutableBufferPointer { Linear.forward(qkv, x: x, rows: rows, y: $0.baseAddress!) }
    }

    /// workspace.context [B·T, C] from workspace.qkv (`SelfAttention.core`; `stages` to time them apart).
    /// `keepsProbabilities` false: `workspace.probs` is not written (`SelfAttention.core`).
    public func attend(mask: UnsafePointer<Int32>, batch: Int, length t: Int, workspace ws: inout Workspace,
                       bias: UnsafePointer<Float>? = nil, stages: AttentionStages = .all, keepsProbabilities: Bool = true) {
        let c = channels
        precondition(batch * t <= ws.maxTokens && batch * heads * t * t <= ws.maxScores,
                     "StackedSelfAttention: workspace sized for \(ws.maxTokens) tokens, called with \(batch)×\(t)")
        ws.qkv.withUnsafeBufferPointer { qb in
        ws.probs.withUnsafeMutableBufferPointer { pb in
        ws.context.withUnsafeMutableBufferPointer { cb in
            let q = qb.baseAddress!
            SelfAttention.core(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: mask, batch: batch, length: t,
                               heads: heads, probs: pb.baseAddress!, context: cb.baseAddress!, channels: c, bias: bias, stages: stages,
                               keepsProbabilities: keepsProbabilities)
        }}}
    }

    /// y [rows, C] (+)= workspace.context · W_oᵀ + b_o.
    public func projectOutput(rows: Int, workspace ws: inout Workspace, y: UnsafeMutablePointer<Float>,
                              accumulate: Bool = false) {
        precondition(rows <= ws.maxTokens, "StackedSelfAttention: workspace sized for \(ws.maxTokens) tokens, called with \(rows)")
        ws.context.withUnsafeBufferPointer {
            Linear.forward(output, x: $0.baseAddress!, rows: rows, y: y, accumulate: accumulate)
        }
    }
}
