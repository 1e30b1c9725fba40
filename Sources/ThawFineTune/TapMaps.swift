import ThawCore
import ThawHeads
import ThawTraining

/// Cached maps read through `TapData` in `EpochPlan` order — shuffled blocks of `blockSize` sample indices,
/// shuffled inside — the same batches whether the tap sits in memory or streams from LMDB under
/// `--memory-budget` (then at most `TapData.maxBlockRows` maps are resident, plus one batch). Frozen
/// blocks between the cached tap and `--from` (`FrozenBlocks`) run on each chunk as it is read.
///
/// The order differs from the in-memory default (`ShuffledBatches`: one permutation of all rows): streaming
/// cannot visit rows in a global permutation without random reads of single records, so it is used only
/// when `--memory-budget` is given or the maps do not fit the default budget.
///
/// Streamed blocks are read ahead (`TapData.forEachTrainingBlock` / `forEachChunk`): while the model trains
/// on one block, a second thread reads the next ones from LMDB (CRC, f16 → f32), as many as the budget
/// holds beside the block in use (`TapData.readAheadDepth`; none when it holds one block only). The blocks
/// and their order are the same, so no number changes.
public final class TapMaps {
    public let data: TapData
    /// Sample indices per shuffled block (≤ `data.maxBlockRows`).
    public let blockSize: Int
    public let frozen: FrozenBlocks?
    /// Per-row shape of the cached tap and of what the model takes ([H, W, C]; equal without frozen blocks).
    public let cachedShape: [Int], mapShape: [Int]

    public init(data: TapData, blockSize: Int, frozen: FrozenBlocks?) throws {
        precondition(blockSize >= 1 && blockSize <= data.maxBlockRows, "TapMaps: block of \(blockSize) rows over \(data.maxBlockRows)")
        self.data = data; self.blockSize = blockSize; self.frozen = frozen
        cachedShape = data.rowShape
        mapShape = try frozen?.outputShape(rowShape: data.rowShape) ?? data.rowShape
    }

    public var trainCount: Int { data.trainIndices.count }

    /// `rows` cached rows at `x` → the model's input chunk (through the frozen blocks, if any).
    func chunk(_ x: UnsafePointer<Float>, rows: Int, labels: [Int32]) throws -> MapChunk {
        try FineTuneProfile.time(.batchAssembly) { try chunkUntimed(x, rows: rows, labels: labels) }
    }

    private func chunkUntimed(_ x: UnsafePointer<Float>, rows: Int, labels: [Int32]) throws -> MapChunk {
        var v = Array(UnsafeBufferPointer(start: x, count: rows * data.rowWidth))
        var shape = cachedShape
        if let frozen { (v, shape) = try frozen.run(v, rows: rows, rowShape: cachedShape) }
        return MapChunk(x: v, rows: rows, height: shape[0], width: shape[1], labels: labels)
    }

    /// Training batches of `batch` rows cut into chunks of `chunk`, in the epoch plan of `seed`.
    func batches(batch: Int, chunk: Int, seed: UInt64) -> MapBlockBatches {
        MapBlockBatches(maps: self, batchSize: batch, chunkSize: chunk, seed: seed)
    }

    /// Calls `body` with chunks of at most `chunk` rows of an evaluation split, in index order.
    func forEachChunk(_ split: EvaluationSplit, chunk: Int, _ body: (MapChunk) throws -> Void) throws {
        let labels = data.split(split).labels
        // Read in blocks of whole chunks (a block's rows at most), so chunks start at multiples of `chunk`
        // in memory and streamed alike and the blocks after the one in use can be read ahead.
        let read = min(data.maxBlockRows, max(chunk, blockSize / chunk * chunk))
        try data.forEachChunk(of: split, chunkRows: read) { p0, count, rows in
            let p1 = p0 + count
            var r0 = p0
            while r0 < p1 {
                let r1 = min(p1, r0 + chunk)
                try body(try self.chunk(rows + (r0 - p0) * data.rowWidth, rows: r1 - r0, labels: Array(labels[r0..<r1])))
                r0 = r1
            }
        }
    }

    /// Calls `body` with the training rows (view 0) in chunks of at most `chunk` and the chunk count, blocks in
    /// index order (BatchNorm recalibration).
    func forEachTrainingChunk(chunk: Int, _ body: (MapChunk, _ total: Int) throws -> Void) throws {
        let plan = EpochPlan(trainIndices: data.trainIndices, indexRange: data.manifest.indexRange, blockSize: blockSize, seed: 0, epoch: 0)
        let blocks = plan.blocks.sorted(by: { $0.positions.lowerBound < $1.positions.lowerBound })
        let total = blocks.reduce(0) { $0 + ($1.positions.count + chunk - 1) / chunk }
        try data.forEachTrainingBlock(blocks, view: 0) { k, rows in
            let block = blocks[k]
            var r0 = block.positions.lowerBound
            while r0 < block.positions.upperBound {
                let r1 = min(block.positions.upperBound, r0 + chunk)
                try body(try self.chunk(rows + (r0 - block.positions.lowerBound) * data.rowWidth, rows: r1 - r0,
                                        labels: Array(data.trainLabels[r0..<r1])), total)
                r0 = r1
            }
        }
    }
}

/// The training batches of `TapMaps`: each epoch's plan block by block; a batch gathers rows (possibly
/// across blocks) into one buffer [batch, rowWidth], and its chunks go through the frozen blocks when asked for.
final class MapBlockBatches: BatchSource {
    let maps: TapMaps
    let batchSize: Int, chunkSize: Int
    let seed: UInt64
    private let buffer: UnsafeMutablePointer<Float>   // [batchSize, rowWidth] gathered rows
    private var labels: [Int32]                       // [batchSize]

    var rowCount: Int { maps.trainCount }

    init(maps: TapMaps, batchSize: Int, chunkSize: Int, seed: UInt64) {
        self.maps = maps; self.batchSize = batchSize; self.chunkSize = chunkSize; self.seed = seed
        let rows = min(batchSize, maps.trainCount)
        buffer = .allocate(capacity: rows * maps.data.rowWidth)
        labels = [Int32](repeating: 0, count: rows)
    }

    deinit { buffer.deallocate() }

    func forEachBatch(epoch: Int, _ body: (Batch<MapChunk>) throws -> Void) throws {
        let data = maps.data, width = data.rowWidth
        let plan = EpochPlan(trainIndices: data.trainIndices, indexRange: data.manifest.indexRange,
                             blockSize: maps.blockSize, seed: seed, epoch: epoch)
        var filled = 0, remaining = rowCount
        let blocks = plan.blocks
        // Streamed: the next blocks are read on a second thread while this one trains.
        try data.forEachTrainingBlock(blocks, view: data.view(forEpoch: epoch)) { k, rows in
            let block = blocks[k]
            for p in block.order {
                (buffer + filled * width).update(from: rows + (p - block.positions.lowerBound) * width, count: width)
                labels[filled] = data.trainLabels[p]
                filled += 1
                guard filled == min(batchSize, remaining) else { continue }
                let n = filled, chunk = chunkSize, buffer = buffer, labels = labels, maps = maps
                try body(Batch(rows: n, chunkCount: (n + chunk - 1) / chunk) { i in
                    let r0 = i * chunk, r1 = min(n, r0 + chunk)
                    return (try maps.chunk(buffer + r0 * width, rows: r1 - r0, labels: Array(labels[r0..<r1])), r1 - r0)
                })
                remaining -= n
                filled = 0
            }
        }
        precondition(remaining == 0 && filled == 0, "MapBlockBatches: epoch plan lost rows")
    }
}
