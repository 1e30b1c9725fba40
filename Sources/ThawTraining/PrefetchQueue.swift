import Foundation
import ThawCore

/// Items 0..<count made ahead, in order, by one background thread while the consumer works on earlier ones:
/// at most `depth` made items wait at once, so memory stays bounded by `depth` items. `take(k)` must be
/// called for k = 0, 1, 2… in order; it returns item k (or throws the error making it threw). Dropping the
/// queue or `cancel()` stops the thread after its current item. Extraction's `DecodePipeline` does the same
/// for fixed preprocessing; this one takes any `make` (e.g. decode + per-epoch augmentation).
public final class PrefetchQueue<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var made: [Int: Result<Item, Error>] = [:]   // guarded by condition
    private var nextToTake = 0                           // guarded by condition
    private var cancelled = false                        // guarded by condition
    private let exited = DispatchSemaphore(value: 0)     // signalled once when the thread returns
    public let count: Int, depth: Int

    /// Starts the thread at once; `make(k)` runs on it, for k in order.
    public init(count: Int, depth: Int = 4, name: String = "thaw.prefetch", make: @escaping @Sendable (Int) throws -> Item) {
        precondition(count >= 0 && depth >= 1, "PrefetchQueue: count ≥ 0 and depth ≥ 1")
        self.count = count; self.depth = depth
        let thread = Thread { [weak self, exited] in
            defer { exited.signal() }
            var k = 0
            while k < count {
                guard let self, self.waitForRoom(k) else { return }
                let r = Result { try make(k) }
                self.condition.lock(); self.made[k] = r; self.condition.broadcast(); self.condition.unlock()
                if case .failure = r { return }
                k += 1
            }
        }
        thread.name = name
        thread.start()
    }

    deinit { cancel() }

    /// Blocks until item `k` may be made (fewer than `depth` items ahead of the consumer); false when cancelled.
    private func waitForRoom(_ k: Int) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while !cancelled && k >= nextToTake + depth { condition.wait() }
        return !cancelled
    }

    /// Item `k` (the next in order), waiting for it if the thread has not made it yet.
    public func take(_ k: Int) throws -> Item {
        condition.lock(); defer { condition.unlock() }
        precondition(k == nextToTake && k < count, "PrefetchQueue: take(\(k)) out of order (next \(nextToTake) of \(count))")
        while made[k] == nil { condition.wait() }
        let r = made.removeValue(forKey: k)!
        nextToTake += 1
        condition.broadcast()
        return try r.get()
    }

    /// Stops the thread after its current item.
    public func cancel() {
        condition.lock(); cancelled = true; condition.broadcast(); condition.unlock()
    }

    /// `cancel()`, then waits until the thread has returned: afterwards nothing `make` uses is touched
    /// any more (e.g. a reader the caller goes on to use itself).
    public func cancelAndWait() {
        cancel()
        exited.wait()
        exited.signal()   // later calls return at once
    }
}

/// `ShuffledBatches` whose chunks are prepared ahead on a `PrefetchQueue` thread: `prepare(rows, epoch)` runs
/// there (e.g. decoding and augmenting images), `finish(prepared, rows, epoch)` on the training thread (e.g. the
/// frozen layers, which use the BLAS threads). Same rows, order and numbers as `ShuffledBatches`.
public struct PrefetchedBatches<Prepared, Chunk>: BatchSource {
    public let rowCount: Int, batchSize: Int, chunkSize: Int
    public let seed: UInt64
    public let depth: Int
    let prepare: @Sendable (ArraySlice<Int>, Int) throws -> Prepared
    let finish: (Prepared, ArraySlice<Int>, Int) throws -> Chunk

    public init(rowCount: Int, batchSize: Int, chunkSize: Int, seed: UInt64, depth: Int = 4,
                prepare: @escaping @Sendable (_ rows: ArraySlice<Int>, _ epoch: Int) throws -> Prepared,
                finish: @escaping (_ prepared: Prepared, _ rows: ArraySlice<Int>, _ epoch: Int) throws -> Chunk) {
        precondition(rowCount >= 1 && batchSize >= 1 && chunkSize >= 1 && depth >= 1, "PrefetchedBatches: sizes must be positive")
        self.rowCount = rowCount; self.batchSize = batchSize; self.chunkSize = chunkSize; self.seed = seed; self.depth = depth
        self.prepare = prepare; self.finish = finish
    }

    public func forEachBatch(epoch: Int, _ body: (Batch<Chunk>) throws -> Void) throws {
        let order = SplitMix64.epochOrder(count: rowCount, seed: seed, epoch: epoch)
        // Every chunk of the epoch, in the order the loop asks for them (as ShuffledBatches cuts them).
        var chunks: [ArraySlice<Int>] = [], firstChunk: [Int] = []
        for b in 0..<batchesPerEpoch {
            let rows = order[(b * batchSize)..<min(rowCount, (b + 1) * batchSize)]
            firstChunk.append(chunks.count)
            var c0 = rows.startIndex
            while c0 < rows.endIndex { chunks.append(rows[c0..<min(rows.endIndex, c0 + chunkSize)]); c0 += chunkSize }
        }
        let prepare = prepare, all = chunks
        let queue = PrefetchQueue(count: all.count, depth: depth) { k in try prepare(all[k], epoch) }
        defer { queue.cancel() }
        for b in 0..<batchesPerEpoch {
            let end = b + 1 < firstChunk.count ? firstChunk[b + 1] : all.count
            let first = firstChunk[b], rows = (first..<end).reduce(0) { $0 + all[$1].count }
            try body(Batch(rows: rows, chunkCount: end - first) { i in
                let rows = all[first + i]
                return (try finish(try queue.take(first + i), rows, epoch), rows.count)
            })
        }
    }
}
