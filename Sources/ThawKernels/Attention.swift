import Foundation
import ThawBLAS

/// Weights of BERT self-attention, under Hugging Face's key names:
/// `attention.self.{query,key,value}` and `attention.output.dense` (each [C, C] + [C]).
public struct SelfAttentionParameters: Sendable {
    public var query: LinearParameters
    public var key: LinearParameters
    public var value: LinearParameters
    public var output: LinearParameters
    public let heads: Int

    public init(query: LinearParameters, key: LinearParameters, value: LinearParameters,
                output: LinearParameters, heads: Int) {
        let c = query.inFeatures
        for p in [query, key, value, output] {
            precondition(p.inFeatures == c && p.outFeatures == c,
                         "SelfAttention: every projection must be [\(c), \(c)]")
        }
        precondition(heads > 0 && c % heads == 0, "SelfAttention: \(heads) heads must divide \(c) channels")
        self.query = query; self.key = key; self.value = value; self.output = output
        self.heads = heads
    }

    public var channels: Int { query.inFeatures }
}

/// Caller-owned buffers of `SelfAttention.forward`, sized once for the largest batch.
/// After a forward they hold what backward needs: q, k, v, the probabilities and the context.
public struct SelfAttentionWorkspace {
    public let maxTokens: Int       // batch × length capacity
    public let maxScores: Int       // batch × heads × length² capacity
    public var q: [Float]           // [B, T, C]  (head h = channels h·D ..< (h+1)·D)
    public var k: [Float]           // [B, T, C]
    public var v: [Float]           // [B, T, C]
    public var probs: [Float]       // [B, H, T, T] softmax over keys
    public var context: [Float]     // [B, T, C]  heads concatenated, before the output projection

    public init(batch: Int, length: Int, channels: Int, heads: Int) {
        maxTokens = batch * length
        maxScores = batch * heads * length * length
        q = [Float](repeating: 0, count: maxTokens * channels)
        k = q; v = q; context = q
        probs = [Float](repeating: 0, count: maxScores)
    }
}

/// Multi-head self-attention with a key padding mask, as BERT computes it:
/// Q,K,V = x·Wᵀ + b; per (batch, head) S = Q_h·K_hᵀ/√D + mask, P = softmax(S), ctx_h = P·V_h;
/// y = ctx·W_oᵀ + b_o (LayerNorm is the caller's; the residual too, or `accumulate`).
///
/// Heads are read in place from [B, T, C] through the sgemm leading dimension (no transposes).
/// Padding keys get −3.4e38 added, like Hugging Face's `finfo.min`, not −∞: a row of only
/// padding then stays finite. Padded query rows are computed too (their outputs are ignored by
/// mean pooling).
public enum SelfAttention {
    /// - Parameters:
    ///   - x: [batch, length, C]; mask: [batch, length], nonzero = token, 0 = padding.
    ///   - y: [batch, length, C]. With `accumulate`, y += attention(x) (the residual), and y may
    ///     be x itself: x is consumed by the Q/K/V projections before y is written.
    ///   - bias: nil, or [H, T, T] added to the scores (`core`).
    public static func forward(_ p: SelfAttentionParameters, x: UnsafePointer<Float>,
                               mask: UnsafePointer<Int32>, batch: Int, length t: Int,
                               workspace ws: inout SelfAttentionWorkspace, y: UnsafeMutablePointer<Float>,
                               accumulate: Bool = false, bias: UnsafePointer<Float>? = nil) {
        let c = p.channels, h = p.heads, rows = batch * t
        precondition(rows <= ws.maxTokens && batch * h * t * t <= ws.maxScores,
                     "SelfAttention: workspace sized for \(ws.maxTokens) tokens, called with \(batch)×\(t)")
        ws.q.withUnsafeMutableBufferPointer { qb in
        ws.k.withUnsafeMutableBufferPointer { kb in
        ws.v.withUnsafeMutableBufferPointer { vb in
        ws.probs.withUnsafeMutableBufferPointer { pb in
        ws.context.withUnsafeMutableBufferPointer { cb in
            let q = qb.baseAddress!, k = kb.baseAddress!, v = vb.baseAddress!
            let probs = pb.baseAddress!, ctx = cb.baseAddress!
            Linear.forward(p.query, x: x, rows: rows, y: q)
            Linear.forward(p.key, x: x, rows: rows, y: k)
            Linear.forward(p.value, x: x, rows: rows, y: v)

            core(q: q, k: k, v: v, ld: c, mask: mask, batch: batch, length: t, heads: h,
                 probs: probs, context: ctx, channels: c, bias: bias)
            Linear.forward(p.output, x: ctx, rows: rows, y: y, accumulate: accumulate)
        }}}}}
    }
}

/// The stages of the attention core, for timing them one at a time (`SelfAttention.core`).
public struct AttentionStages: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// S = Q_h·K_hᵀ/√D into `probs`.
    public static let scores = AttentionStages(rawValue: 1)
    /// Padding keys masked, softmax of each row of `probs`.
    public static let softmax = AttentionStages(rawValue: 2)
    /// ctx_h = P·V_h into `context`.
    public static let values = AttentionStages(rawValue: 4)
    public static let all: AttentionStages = [.scores, .softmax, .values]
}

extension SelfAttention {
    /// Whether `core` without `keepsProbabilities` computes each pair's scores in a per-worker [T, T] scratch
    /// (true) or in `probs` [B, H, T, T] as the training path does (false; for same-binary comparisons). The same
    /// OpenBLAS calls on the same values: the same floats. Why: at 32 × 128 tokens `probs` is 25 MB, so every
    /// pair's QKᵀ first zeroed (sgemm's beta = 0), then wrote, softmaxed and read 64 KB of lines fetched from
    /// memory; the scratch stays in L2. Set before forwards start.
    nonisolated(unsafe) public static var scoresInScratch = true

    /// Whether `core` zeroes each product's output itself and calls sgemm with beta = 1 (true) rather than beta = 0
    /// (false, for same-binary comparisons). The same floats: with beta = 0 OpenBLAS first zeroes C (`sgemm_beta`) and its
    /// kernel then adds alpha · sum to it either way; with beta = 1 it skips that pass, and Swift's zeroing of the
    /// scores (64 KB in L2) and of the context block is vectorised where `sgemm_beta` took 1.4% of MiniLM's CPU
    /// (the attention core 1.18× less CPU, the whole forward 1.02–1.03×). Set before forwards start.
    nonisolated(unsafe) public static var zeroesOutputs = true


    /// The core between the projections, per (batch, head) pair: S = Q_h·K_hᵀ/√D, padding keys
    /// masked, P = softmax(S), ctx_h = P·V_h.
    ///
    /// Heads are read in place: Q_h of batch b starts at q + b·T·ld + h·D and its rows are `ld`
    /// apart (ld = C for separate q/k/v buffers, 3C for one fused [B·T, 3C] projection).
    /// The pairs are split over the cores with OpenBLAS single-threaded: these GEMMs are small
    /// (T×T×D), and OpenBLAS's own threading of each one costs more than it gains.
    /// - Parameters:
    ///   - q, k, v: heads of [B, T, ·] with row stride `ld`; mask: [B, T], 0 = padding; c = heads·D.
    ///   - probs: [B, H, T, T]; context: [B, T, C] (row stride C).
    ///   - bias: nil, or [H, T, T] added to the scaled scores of every batch item before the mask
    ///     (MPNet's relative position bias, `RelativePositionBias`).
    ///   - stages: all of them (the default) for a forward; one at a time to time them.
    ///   - keepsProbabilities: false (a forward that needs no backward, `stages` all) lets each worker compute
    ///     every pair's scores in one [T, T] scratch of its own instead of `probs` (see `scoresInScratch`);
    ///     `probs` is then left untouched.
    public static func core(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                            mask: UnsafePointer<Int32>, batch: Int, length t: Int, heads h: Int,
                            probs: UnsafeMutablePointer<Float>, context ctx: UnsafeMutablePointer<Float>,
                            channels c: Int, bias: UnsafePointer<Float>? = nil, stages: AttentionStages = .all,
                            keepsProbabilities: Bool = true, maxWorkers: Int? = nil) {
        precondition(c % h == 0 && ld >= c, "SelfAttention.core: \(h) heads must divide \(c) channels, row stride \(ld) ≥ \(c)")
        let d = c / h
        let scale = 1 / Float(d).squareRoot()
        let maskValue = -Float.greatestFiniteMagnitude
        let pairs = batch * h
        // `maxWorkers` 1: the pairs on the calling thread (a caller that splits the work itself, inside
        // `BLAS.singleThreaded`: `PanelSelfAttention`'s sentence blocks).
        let workers = min(pairs, maxWorkers ?? ProcessInfo.processInfo.activeProcessorCount)
        let scratch = !keepsProbabilities && scoresInScratch && stages == .all
        BLAS.singleThreaded {
            eachWorker(workers) { w in
                // The mask of the current batch item as an additive row: 0 for tokens, −3.4e38 for padding.
                let maskRow = UnsafeMutablePointer<Float>.allocate(capacity: t)   // [T]
                // Scores of the current pair when they are not kept: [T, T], in L2 from QKᵀ through P·V.
                let scores: UnsafeMutablePointer<Float>? = scratch ? .allocate(capacity: t * t) : nil
                defer { maskRow.deallocate(); scores?.deallocate() }
                var maskOf = -1
                for pair in pairs * w / workers..<pairs * (w + 1) / workers {
                    let b = pair / h, head = pair % h
                    let inBase = b * t * ld + head * d, outBase = b * t * c + head * d
                    let s = scores ?? probs + pair * t * t, m = mask + b * t
                    if stages.contains(.scores) {
                        // With a bias: S = bias_h, then S += scale·Q_h·K_hᵀ (sgemm's beta = 1).
                        if let bias { s.update(from: bias + head * t * t, count: t * t) }
                        if bias == nil && zeroesOutputs { s.initialize(repeating: 0, count: t * t) }
                        BLAS.sgemm(transB: true, m: t, n: t, k: d, alpha: scale, a: q + inBase, lda: ld, b: k + inBase, ldb: ld,
                                   beta: bias == nil && !zeroesOutputs ? 0 : 1, c: s, ldc: t)
                    }
                    if stages.contains(.softmax) {
                        if maskOf != b {
                            for j in 0..<t { maskRow[j] = m[j] == 0 ? maskValue : 0 }
                            maskOf = b
                        }
                        for i in 0..<t { Softmax.row(s + i * t, count: t, adding: maskRow) }
                    }
                    if stages.contains(.values) {
                        if zeroesOutputs { for i in 0..<t { (ctx + outBase + i * c).initialize(repeating: 0, count: d) } }
                        BLAS.sgemm(m: t, n: d, k: t, a: s, lda: t, b: v + inBase, ldb: ld, beta: zeroesOutputs ? 1 : 0,
                                   c: ctx + outBase, ldc: c)
                    }
                }
            }
        }
    }
}

extension SelfAttention {
    /// `concurrentPerform` over `workers`, or worker 0 on the calling thread when there is one.
    fileprivate static func eachWorker(_ workers: Int, _ body: (Int) -> Void) {
        if workers == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: body) }
    }
}
