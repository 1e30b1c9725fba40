import Dispatch

/// `SelfAttention.core` on the panel kernel (`PanelKernel.gemm`: AVX-512 or AVX2+FMA) for head width D = 64,
/// one panel: per (batch, head) pair,
///
///   Kᵀ_h·scale packed into ⌈T/64⌉ panels [64][64] (zero columns past T),  S [T, T64] = Q_h · that
///   (T64 = T rounded up to 64, so the panel kernel writes whole panels), softmax of each row's first T
///   columns (padding keys masked), V_h copied into one panel [T][64],       ctx_h = P · V_h.
///
/// Both products run with no packing of the other operand (Q and P are read in place, broadcast one value
/// at a time) and the scale rides in the packed keys: no separate pass. Results equal `SelfAttention.core`'s
/// up to float rounding.
///
/// Two ways to share the work, the same floats either way (every query row's sums run in the same order):
/// - many pairs (MiniLM at batch 32: 384): the pairs are split over the cores, each worker with its own buffers;
/// - few pairs (ViT-S/14 at batch 1: 6 heads, which split 3 + 3 statically leave a core idle whenever the other
///   starts late): every pair's keys and values are packed first, then units of `rowsPerUnit` query rows of one
///   pair are taken by the cores one by one (`RowChunkedAttention`), each unit's scores [rows, T64] small enough to
///   stay in L1/L2 from QKᵀ through the softmax to P·V.
public enum PanelAttentionCore {
    static let width = PanelKernel.width
    /// Whether `PanelSelfAttention` runs this core (false: `SelfAttention.core` on OpenBLAS, for same-binary
    /// comparisons). Set before forwards start.
    nonisolated(unsafe) public static var enabled = true
    /// Query rows per unit of the few-pairs path (a multiple of the kernel's 6-row blocks); 0 turns that path off
    /// (every batch split by pairs, for same-binary comparisons). Set before forwards start.
    nonisolated(unsafe) public static var rowsPerUnit = 48
    /// The few-pairs path runs when the pairs number fewer than this many per core.
    static let pairsPerCoreForUnits = 4

    /// Whether `run` takes heads of width `d` (one panel) on this CPU. (Heads of 32, all-MiniLM-L6-v2's, through
    /// half-empty panels — keys as panels of K = 32, P·V into a scratch [T][64] — measured no less CPU time per
    /// forward than OpenBLAS's `SelfAttention.core` at 32 × 128 tokens: 0.96–0.98×, so they stay there.)
    public static func runs(headWidth d: Int) -> Bool { d == width && VectorISA.packedKernels }

    /// Same contract as `SelfAttention.core` (no bias, all stages); needs `runs(headWidth: c / heads)`.
    public static func run(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                    mask: UnsafePointer<Int32>, batch: Int, length t: Int, heads h: Int,
                    context ctx: UnsafeMutablePointer<Float>, channels c: Int) {
        let d = c / h
        precondition(runs(headWidth: d) && c % h == 0, "PanelAttentionCore: needs AVX-512 and heads of \(width) channels, got \(c)/\(h)")
        let panels = (t + width - 1) / width, t64 = panels * width
        let scale = 1 / Float(d).squareRoot()
        let maskValue = -Float.greatestFiniteMagnitude
        let pairs = batch * h, workers = min(pairs, ParallelRows.cores)
        if rowsPerUnit > 0 && workers > 1 && pairs < pairsPerCoreForUnits * ParallelRows.cores && t > rowsPerUnit {
            RowChunkedAttention.run(q: q, k: k, v: v, ld: ld, mask: mask, batch: batch, length: t, heads: h,
                                    context: ctx, channels: c, rowsPerUnit: rowsPerUnit)
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            // Per worker: keys [panels][64 (k = channel)][64 (key)], scores [T, T64], values [T][64], mask row [T].
            let keys = UnsafeMutablePointer<Float>.allocate(capacity: panels * d * width)
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: t * t64)
            let values = UnsafeMutablePointer<Float>.allocate(capacity: t * width)
            let maskRow = UnsafeMutablePointer<Float>.allocate(capacity: t)
            defer { keys.deallocate(); scores.deallocate(); values.deallocate(); maskRow.deallocate() }
            keys.initialize(repeating: 0, count: panels * d * width)        // the columns past T stay 0
            var maskOf = -1, padded = false
            for pair in pairs * w / workers..<pairs * (w + 1) / workers {
                let b = pair / h, head = pair % h
                let inBase = b * t * ld + head * d
                let kh = k + inBase, vh = v + inBase
                for j in 0..<t {                                            // key j → column j % 64 of panel j / 64
                    let dst = keys + (j / width) * d * width + j % width, src = kh + j * ld
                    for i in 0..<d { dst[i * width] = src[i] * scale }
                }
                PanelKernel.gemm(rows: t, k: d, a: q + inBase, lda: ld, packed: keys, panels: 0..<panels,
                                 c: scores, ldc: t64, bias: nil, residual: nil, ldr: 0, low: -.infinity, high: .infinity)
                if maskOf != b {
                    padded = false
                    for j in 0..<t { maskRow[j] = mask[b * t + j] == 0 ? maskValue : 0; padded = padded || mask[b * t + j] == 0 }
                    maskOf = b
                }
                for i in 0..<t { Softmax.row(scores + i * t64, count: t, adding: padded ? UnsafePointer(maskRow) : nil) }
                for j in 0..<t { (values + j * width).update(from: vh + j * ld, count: d) }
                PanelKernel.gemm(rows: t, k: t, a: scores, lda: t64, packed: values, panels: 0..<1,
                                 c: ctx + b * t * c + head * d, ldc: c, bias: nil, residual: nil, ldr: 0,
                                 low: -.infinity, high: .infinity)
            }
        }
    }
}
