import ThawBLAS

/// Gradients of the four projections of `SelfAttentionParameters`, caller-owned, accumulated.
public struct SelfAttentionGradients {
    public var query: LinearGradients
    public var key: LinearGradients
    public var value: LinearGradients
    public var output: LinearGradients

    /// Zeroed gradients for `channels`×`channels` projections.
    public init(channels c: Int) {
        query = LinearGradients(inFeatures: c, outFeatures: c)
        key = query; value = query; output = query
    }

    /// Sets every gradient to zero (before a new accumulation).
    public mutating func zero() {
        query.zero(); key.zero(); value.zero(); output.zero()
    }
}

/// dW [out, in] and db [out] of one fully connected layer.
public struct LinearGradients {
    public var weight: [Float]   // [out, in]
    public var bias: [Float]     // [out]

    public init(inFeatures: Int, outFeatures: Int) {
        weight = [Float](repeating: 0, count: inFeatures * outFeatures)
        bias = [Float](repeating: 0, count: outFeatures)
    }

    public mutating func zero() {
        weight.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        bias.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// Scratch of `SelfAttention.backward`, sized once for the largest batch.
public struct SelfAttentionBackwardWorkspace {
    public let maxTokens: Int, maxScores: Int
    var dContext: [Float]   // [B, T, C]
    var dq: [Float]         // [B, T, C]
    var dk: [Float]         // [B, T, C]
    var dv: [Float]         // [B, T, C]
    var dScores: [Float]    // [B, H, T, T]

    public init(batch: Int, length: Int, channels: Int, heads: Int) {
        maxTokens = batch * length
        maxScores = batch * heads * length * length
        dContext = [Float](repeating: 0, count: maxTokens * channels)
        dq = dContext; dk = dContext; dv = dContext
        dScores = [Float](repeating: 0, count: maxScores)
    }
}

/// Backward of `SelfAttention.forward`, from what the forward left in its workspace
/// (q, k, v, probabilities P, context):
///   dctx = dy·W_o (dW_o, db_o accumulate);  per (batch, head):  dP = dctx_h·V_hᵀ,  dV_h = Pᵀ·dctx_h,
///   dS = P ⊙ (dP − rowsum(dP ⊙ P)) · 1/√D,  dQ_h = dS·K_h,  dK_h = dSᵀ·Q_h;
///   dx = dQ·W_q + dK·W_k + dV·W_v (dW, db of each accumulate).
/// Padding keys have P = 0, hence dS = 0: they receive no gradient through the scores.
/// If the forward used `accumulate` (the residual), add dy to dx yourself. With a score bias in the
/// forward (MPNet's [H, T, T]), `dBias` accumulates its gradient: dS before the 1/√D, summed over the batch.
extension SelfAttention {
    /// - Parameters:
    ///   - x: [batch, length, C], the forward input; dy: [batch, length, C].
    ///   - forward: the workspace of the forward call on this x (unchanged since).
    ///   - dx: [batch, length, C], overwritten, or nil.
    ///   - dBias: nil, or [H, T, T] accumulated (+=) with the gradient of the forward's score bias.
    public static func backward(_ p: SelfAttentionParameters, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                batch: Int, length t: Int, forward fw: SelfAttentionWorkspace,
                                workspace ws: inout SelfAttentionBackwardWorkspace,
                                dx: UnsafeMutablePointer<Float>?, gradients gr: inout SelfAttentionGradients,
                                dBias: UnsafeMutablePointer<Float>? = nil) {
        let c = p.channels, h = p.heads, d = c / h, rows = batch * t
        precondition(rows <= ws.maxTokens && batch * h * t * t <= ws.maxScores,
                     "SelfAttention.backward: workspace sized for \(ws.maxTokens) tokens, called with \(batch)×\(t)")
        let scale = 1 / Float(d).squareRoot()
        fw.q.withUnsafeBufferPointer { qb in fw.k.withUnsafeBufferPointer { kb in
        fw.v.withUnsafeBufferPointer { vb in fw.probs.withUnsafeBufferPointer { pb in
        fw.context.withUnsafeBufferPointer { cb in
        ws.dContext.withUnsafeMutableBufferPointer { dcb in ws.dq.withUnsafeMutableBufferPointer { dqb in
        ws.dk.withUnsafeMutableBufferPointer { dkb in ws.dv.withUnsafeMutableBufferPointer { dvb in
        ws.dScores.withUnsafeMutableBufferPointer { dsb in
            let q = qb.baseAddress!, k = kb.baseAddress!, v = vb.baseAddress!, probs = pb.baseAddress!
            let dctx = dcb.baseAddress!, dq = dqb.baseAddress!, dk = dkb.baseAddress!, dv = dvb.baseAddress!
            let ds = dsb.baseAddress!
            linearBackward(p.output, x: cb.baseAddress!, dy: dy, rows: rows, dx: dctx, accumulate: false, into: &gr.output)
            for b in 0..<batch {
                for head in 0..<h {
                    let base = b * t * c + head * d, sp = (b * h + head) * t * t
                    // dP [T,T] = dctx_h [T,D] · V_hᵀ
                    BLAS.sgemm(transB: true, m: t, n: t, k: d, a: dctx + base, lda: c, b: v + base, ldb: c,
                               c: ds + sp, ldc: t)
                    // dV_h [T,D] = Pᵀ [T,T] · dctx_h
                    BLAS.sgemm(transA: true, m: t, n: d, k: t, a: probs + sp, lda: t, b: dctx + base, ldb: c,
                               c: dv + base, ldc: c)
                }
            }
            TransformerRows.forEach(rows: batch * h * t, costPerRow: 4 * t) { range in
                for r in range {
                    let row = ds + r * t
                    Softmax.rowBackward(y: probs + r * t, dy: row, count: t, dx: row)
                    if dBias == nil { for j in 0..<t { row[j] *= scale } }
                }
            }
            if let dBias {
                // The bias is shared by the batch items: dBias[h] += Σ_b dS[b, h] (before the scale).
                for b in 0..<batch {
                    let from = ds + b * h * t * t
                    for i in 0..<(h * t * t) { dBias[i] += from[i] }
                }
                TransformerRows.forEach(rows: batch * h * t, costPerRow: t) { range in
                    for r in range {
                        let row = ds + r * t
                        for j in 0..<t { row[j] *= scale }
                    }
                }
            }
            for b in 0..<batch {
                for head in 0..<h {
                    let base = b * t * c + head * d, sp = (b * h + head) * t * t
                    // dQ_h [T,D] = dS [T,T] · K_h;  dK_h [T,D] = dSᵀ · Q_h
                    BLAS.sgemm(m: t, n: d, k: t, a: ds + sp, lda: t, b: k + base, ldb: c, c: dq + base, ldc: c)
                    BLAS.sgemm(transA: true, m: t, n: d, k: t, a: ds + sp, lda: t, b: q + base, ldb: c,
                               c: dk + base, ldc: c)
                }
            }
            linearBackward(p.query, x: x, dy: dq, rows: rows, dx: dx, accumulate: false, into: &gr.query)
            linearBackward(p.key, x: x, dy: dk, rows: rows, dx: dx, accumulate: true, into: &gr.key)
            linearBackward(p.value, x: x, dy: dv, rows: rows, dx: dx, accumulate: true, into: &gr.value)
        }}}}}}}}}}
    }

    private static func linearBackward(_ p: LinearParameters, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                       rows: Int, dx: UnsafeMutablePointer<Float>?, accumulate: Bool,
                                       into g: inout LinearGradients) {
        g.weight.withUnsafeMutableBufferPointer { wb in
            g.bias.withUnsafeMutableBufferPointer { bb in
                Linear.backward(p, x: x, dy: dy, rows: rows, dx: dx, accumulateInput: accumulate,
                                dWeight: wb.baseAddress!, dBias: bb.baseAddress!)
            }
        }
    }
}
