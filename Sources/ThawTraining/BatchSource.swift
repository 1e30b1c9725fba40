import ThawCore

/// One batch as `EpochLoop` sees it: its row count and its chunks, each loaded only when asked for
/// (memory stays bounded by one chunk, e.g. decoded images).
public struct Batch<Chunk> {
    public let rows: Int
    public let chunkCount: Int
    private let load: (Int) throws -> (chunk: Chunk, rows: Int)

    public init(rows: Int, chunkCount: Int, load: @escaping (Int) throws -> (chunk: Chunk, rows: Int)) {
        precondition(rows >= 1 && chunkCount >= 1, "Batch: needs rows and at least one chunk")
        self.rows = rows; self.chunkCount = chunkCount; self.load = load
    }

    /// A batch that is a single chunk already in memory.
    public init(single chunk: Chunk, rows: Int) {
        self.init(rows: rows, chunkCount: 1) { _ in (chunk, rows) }
    }

    /// Chunk `i` (0-based) and its row count.
    public func chunk(_ i: Int) throws -> (chunk: Chunk, rows: Int) { try load(i) }
}

/// The training rows of every epoch, in batches.
public protocol BatchSource<Chunk> {
    associatedtype Chunk
    /// Training rows per epoch.
    var rowCount: Int { get }
    /// Rows per batch (an epoch's last batch may hold fewer).
    var batchSize: Int { get }
    /// Calls `body` with every batch of `epoch`, in order.
    func forEachBatch(epoch: Int, _ body: (Batch<Chunk>) throws -> Void) throws
}

extension BatchSource {
    /// Optimizer steps per epoch.
    public var batchesPerEpoch: Int { (rowCount + batchSize - 1) / batchSize }
}

/// Rows 0..<rowCount visited in a fresh SplitMix64 order each epoch (`SplitMix64.epochOrder`, so a
/// seed fixes every batch), cut into batches and each batch into chunks of at most `chunkSize` rows;
/// `load(rows, epoch)` turns a chunk's row numbers into what the model reads.
public struct ShuffledBatches<Chunk>: BatchSource {
    public let rowCount: Int
    public let batchSize: Int
    public let chunkSize: Int
    public let seed: UInt64
    let load: (ArraySlice<Int>, Int) throws -> Chunk

    public init(rowCount: Int, batchSize: Int, chunkSize: Int, seed: UInt64,
                load: @escaping (_ rows: ArraySlice<Int>, _ epoch: Int) throws -> Chunk) {
        precondition(rowCount >= 1 && batchSize >= 1 && chunkSize >= 1, "ShuffledBatches: sizes must be positive")
        self.rowCount = rowCount; self.batchSize = batchSize; self.chunkSize = chunkSize; self.seed = seed; self.load = load
    }

    public func forEachBatch(epoch: Int, _ body: (Batch<Chunk>) throws -> Void) throws {
        let order = SplitMix64.epochOrder(count: rowCount, seed: seed, epoch: epoch)
        for b in 0..<batchesPerEpoch {
            let rows = order[(b * batchSize)..<min(rowCount, (b + 1) * batchSize)]
            let chunks = (rows.count + chunkSize - 1) / chunkSize
            try body(Batch(rows: rows.count, chunkCount: chunks) { i in
                let c0 = rows.startIndex + i * chunkSize, c1 = min(rows.endIndex, c0 + chunkSize)
                return (try load(rows[c0..<c1], epoch), c1 - c0)
            })
        }
    }
}
