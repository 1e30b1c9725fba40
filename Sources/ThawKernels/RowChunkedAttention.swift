import Dispatch

/// `PanelAttentionCore`'s path for few (batch, head) pairs: units of query rows taken by the cores one by one.
///
///   1. per pair: Kᵀ_h·scale packed into ⌈T/64⌉ panels [64][64] (zero columns past T) and V_h into
///      one panel [T][64] — shared by every unit of the pair (ViT-S/14 at batch 1: 6 × (80 + 64) KiB);
///   2. per unit (pair, rows r0..<r1), once every pair is packed (the second phase of the same dispatch,
///      `PhaseChain`): S [rows, T64] = Q_h[r0..<r1] · keys, each row's softmax over its first T columns (padding
///      keys masked), ctx_h[r0..<r1] = P · V_h.
///
/// Each query row runs the same operations in the same order as on the per-pair path, so the two give the same
/// floats whatever the unit size or the thread that takes a unit. Why: 6 heads split 3 + 3 statically finish when
/// the later core does (a worker woken late, or a core the shared machine slows, leaves the other idle), and a
/// head's whole scores [257, 320] (320 KiB) are written, read three times by the softmax and read by P·V
/// through L2, where a unit's [48, 320] (60 KiB) stay close to L1.
enum RowChunkedAttention {
    static func run(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                    mask: UnsafePointer<Int32>, batch: Int, length t: Int, heads h: Int,
                    context ctx: UnsafeMutablePointer<Float>, channels c: Int, rowsPerUnit: Int) {
        let width = PanelKernel.width, d = c / h
        precondition(d == width && rowsPerUnit > 0, "RowChunkedAttention: heads of \(width) channels and units of ≥ 1 row")
        let panels = (t + width - 1) / width, t64 = panels * width
        let keyFloats = panels * d * width, valueFloats = t * width
        let scale = 1 / Float(d).squareRoot()
        let maskValue = -Float.greatestFiniteMagnitude
        let pairs = batch * h
        // Shared, packed once per call: keys [pairs][panels][64 (channel)][64 (key)], values [pairs][T][64],
        // additive mask rows [batch][T] (0 or the most negative float) and whether each item has padding.
        let keys = UnsafeMutablePointer<Float>.allocate(capacity: pairs * keyFloats)
        let values = UnsafeMutablePointer<Float>.allocate(capacity: pairs * valueFloats)
        let maskRows = UnsafeMutablePointer<Float>.allocate(capacity: batch * t)
        defer { keys.deallocate(); values.deallocate(); maskRows.deallocate() }
        var padded = [Bool](repeating: false, count: batch)
        for b in 0..<batch {
            for j in 0..<t {
                let off = mask[b * t + j] == 0
                maskRows[b * t + j] = off ? maskValue : 0
                padded[b] = padded[b] || off
            }
        }
        // One dispatch, two phases (`PhaseChain`): pack every pair, then the units; scores [rowsPerUnit, T64] per worker.
        let chunks = (t + rowsPerUnit - 1) / rowsPerUnit, workers = ParallelRows.cores
        let scoreBlocks = UnsafeMutablePointer<Float>.allocate(capacity: workers * rowsPerUnit * t64)
        defer { scoreBlocks.deallocate() }
        padded.withUnsafeBufferPointer { paddedItems in
            PhaseChain.run(counts: [pairs, pairs * chunks], workers: workers) { phase, unit, worker in
                if phase == 0 {
                    let pair = unit, b = pair / h, head = pair % h, inBase = b * t * ld + head * d
                    let kh = k + inBase, vh = v + inBase
                    let dstKeys = keys + pair * keyFloats, dstValues = values + pair * valueFloats
                    dstKeys.initialize(repeating: 0, count: keyFloats)                 // the columns past T stay 0
                    for j in 0..<t {                                                   // key j → column j % 64 of panel j / 64
                        let dst = dstKeys + (j / width) * d * width + j % width, src = kh + j * ld
                        for i in 0..<d { dst[i * width] = src[i] * scale }
                    }
                    for j in 0..<t { (dstValues + j * width).update(from: vh + j * ld, count: d) }
                    return
                }
                let pair = unit / chunks, b = pair / h, head = pair % h
                let r0 = (unit % chunks) * rowsPerUnit, rows = min(rowsPerUnit, t - r0)
                let scores = scoreBlocks + worker * rowsPerUnit * t64                  // [rows, T64]
                let inBase = b * t * ld + head * d
                PanelKernel.gemm(rows: rows, k: d, a: q + inBase + r0 * ld, lda: ld, packed: keys + pair * keyFloats,
                                 panels: 0..<panels, c: scores, ldc: t64, bias: nil, residual: nil, ldr: 0,
                                 low: -.infinity, high: .infinity)
                let add = paddedItems[b] ? UnsafePointer(maskRows + b * t) : nil
                for i in 0..<rows { Softmax.row(scores + i * t64, count: t, adding: add) }
                PanelKernel.gemm(rows: rows, k: t, a: scores, lda: t64, packed: values + pair * valueFloats, panels: 0..<1,
                                 c: ctx + (b * t + r0) * c + head * d, ldc: c, bias: nil, residual: nil, ldr: 0,
                                 low: -.infinity, high: .infinity)
            }
        }
    }
}
