import ThawKernelsAVX2

/// The frozen-BN backward of act(BN(x)) (running statistics: dx = γ·invstd·g, dγ += Σ g·x̂, dβ += Σ g) run tile by tile
/// right after the GEMM that produces its dy, on the tile's thread while the tile is still in cache, instead of one more
/// pass over the whole [M, C] map (`BatchNormActivationBackward.run`'s pass 1 reads dy back from memory).
///
/// Same floats as `run(batchStatistics: false)`: the row tiles (`rowTiles`) start and end on the blocks of
/// `BatchNormActivationBackward.blockRows` rows that `run` sums in Float (counted from each task's first row); each tile
/// writes its blocks' Float sums into a [blocks][2C] scratch (its columns only), and `finish` adds them as `run` does — in
/// Double, blocks in order within a task, then the tasks in order. The per-element arithmetic is the AVX2 pass 1 on a
/// column window (`AVX2Kernels.batchNormBackwardSums(rowStride:)`; all builds give the same floats).
/// Use: `rowTiles` for the GEMM's row tiles, `pass(rows:columns:)` after each tile (concurrently), then `finish`.
public final class FrozenBatchNormTiles {
    public let rows: Int, channels: Int
    /// Row tiles: each task's rows cut into ⌈`rowTiles` / tasks⌉ runs of whole blocks (a task's last block may be short).
    public let rowTiles: [Range<Int>]
    private let tasks: [Range<Int>]                 // `run`'s task rows
    private let firstBlock: [Int]                   // per task: index of its first block in `sums`
    private let sums: UnsafeMutablePointer<Float>   // [blocks][Σg C, Σg·x̂ C]
    private let blockCount: Int

    /// Whether the fused path runs on this CPU (the AVX2 pass; AVX-512 CPUs have it too).
    public static var supported: Bool { VectorISA.avx2Kernels }

    /// - Parameter rowTiles: about how many row tiles the GEMM should have (`TrainingPointwise.inputGradientRowTiles`).
    public init(rows m: Int, channels c: Int, rowTiles want: Int) {
        precondition(m > 0 && c > 0 && want > 0, "FrozenBatchNormTiles: sizes must be positive")
        rows = m; channels = c
        let b = BatchNormActivationBackward.blockRows
        let count = max(1, min(ParallelRows.cores, m * c / 32768))       // as `run`
        let per = (m + count - 1) / count
        tasks = (0..<count).map { t in min(m, t * per)..<min(m, (t + 1) * per) }
        let piecesPerTask = (want + count - 1) / count
        var first: [Int] = [], tiles: [Range<Int>] = [], blocks = 0
        for task in tasks {
            first.append(blocks)
            let n = (task.count + b - 1) / b                               // blocks of this task
            blocks += n
            let pieces = min(piecesPerTask, max(1, n))
            for i in 0..<pieces where n > 0 {
                let lo = task.lowerBound + b * (n * i / pieces), hi = min(task.upperBound, task.lowerBound + b * (n * (i + 1) / pieces))
                if hi > lo { tiles.append(lo..<hi) }
            }
        }
        firstBlock = first
        rowTiles = tiles
        blockCount = blocks
        sums = .allocate(capacity: max(1, blocks) * 2 * c)
    }

    deinit { sums.deallocate() }

    /// Pass 1 over rows × columns of the [M, C] maps (rows one of `rowTiles`): g = dy masked by 0 < y < high (no mask
    /// without y), dx = g·outScale written over dy (in place), the blocks' Float sums of g and g·x̂ into the scratch.
    /// mean, invstd, outScale are [C] (the whole map's; indexed by column).
    public func pass(rows r: Range<Int>, columns cols: Range<Int>, x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float,
                     dy: UnsafeMutablePointer<Float>, mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                     outScale: UnsafePointer<Float>) {
        let c = channels, b = BatchNormActivationBackward.blockRows
        guard let t = tasks.firstIndex(where: { $0.contains(r.lowerBound) }) else { return }
        precondition(r.upperBound <= tasks[t].upperBound && (r.lowerBound - tasks[t].lowerBound) % b == 0,
                     "FrozenBatchNormTiles.pass: rows \(r) are not whole blocks of one task")
        var row = r.lowerBound
        while row < r.upperBound {
            let n = min(b, r.upperBound - row)
            let blk = sums + (firstBlock[t] + (row - tasks[t].lowerBound) / b) * 2 * c
            (blk + cols.lowerBound).update(repeating: 0, count: cols.count)
            (blk + c + cols.lowerBound).update(repeating: 0, count: cols.count)
            let o = row * c + cols.lowerBound
            AVX2Kernels.batchNormBackwardSums(x: x + o, y: y.map { $0 + o }, high: high, dy: dy + o, rows: n,
                                              channels: cols.count, rowStride: c, mean: mean + cols.lowerBound,
                                              invstd: invstd + cols.lowerBound, outScale: outScale + cols.lowerBound,
                                              out: dy + o, sumG: blk + cols.lowerBound, sumGX: blk + c + cols.lowerBound)
            row += n
        }
    }

    /// dγ += Σ g·x̂, dβ += Σ g ([C]) from the blocks written by `pass` (every tile's, every column), in `run`'s order.
    public func finish(dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>) {
        let c = channels, b = BatchNormActivationBackward.blockRows
        var sg = [Double](repeating: 0, count: c), sgx = sg                  // [C] each
        var acc = [Double](repeating: 0, count: 2 * c)                        // one task's [Σg C, Σg·x̂ C]
        for (t, task) in tasks.enumerated() {
            for j in 0..<2 * c { acc[j] = 0 }
            let n = (task.count + b - 1) / b
            for i in 0..<n {
                let blk = sums + (firstBlock[t] + i) * 2 * c
                for j in 0..<2 * c { acc[j] += Double(blk[j]) }
            }
            for j in 0..<c { sg[j] += acc[j]; sgx[j] += acc[c + j] }
        }
        for j in 0..<c { dGamma[j] += Float(sgx[j]); dBeta[j] += Float(sg[j]) }
    }
}
