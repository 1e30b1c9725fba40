import ThawTraining

/// Streamed rows read ahead: while the heads train on (or evaluate) one block, a second thread reads
/// the next blocks from LMDB — CRC check, f16/bf16 → float32, copy into a fresh array — so the GEMMs
/// do not wait on the reader. The blocks and their contents are the ones `withTrainingRows` and
/// `withRows` give, so no number changes; only where the reading runs does.
extension TapData {
    /// Blocks of `rows` rows that may be read ahead of the one in use: at most `readAheadLimit`, and only
    /// as many as fit in `streamBytes` beside the block in use (0 in memory: nothing to read).
    public func readAheadDepth(rows: Int) -> Int {
        guard isStreamed, rows >= 1 else { return 0 }
        let blockBytes = rows * rowWidth * 4
        return max(0, min(readAheadLimit, streamBytes / blockBytes - 1))
    }

    /// Calls `body(k, rows)` for `blocks[k]`, k = 0, 1, … in order, with rows [positions.count, rowWidth]
    /// of `view` as `withTrainingRows` gives them, reading up to `readAheadDepth` blocks ahead on a second
    /// thread when streamed. The pointer is valid only inside `body`. When this returns or throws, the
    /// read-ahead thread has stopped (the reader is free for the caller again).
    public func forEachTrainingBlock(_ blocks: [EpochPlan.Block], view: Int,
                                     _ body: (Int, UnsafePointer<Float>) throws -> Void) throws {
        let depth = readAheadDepth(rows: blocks.map(\.positions.count).max() ?? 0)
        guard depth > 0 else {
            for (k, block) in blocks.enumerated() { try withTrainingRows(block, view: view) { try body(k, $0) } }
            return
        }
        let me = UncheckedBox(self)
        try readingAhead(count: blocks.count, depth: depth, rows: { blocks[$0].positions.count }, body: body) { k, out in
            try me.value.readTrainingRows(blocks[k], view: view, into: out)
        }
    }

    /// Calls `body(start, count, rows)` for the rows of an evaluation split in chunks of `chunkRows`
    /// (the last shorter), as `withRows` gives them, read ahead like `forEachTrainingBlock` when streamed.
    public func forEachChunk(of split: EvaluationSplit, chunkRows: Int,
                             _ body: (_ start: Int, _ count: Int, UnsafePointer<Float>) throws -> Void) throws {
        let n = self.split(split).labels.count
        guard n > 0 else { return }
        let chunks = stride(from: 0, to: n, by: chunkRows).map { $0..<min($0 + chunkRows, n) }
        let depth = readAheadDepth(rows: chunkRows)
        guard depth > 0 else {
            for c in chunks { try withRows(split, positions: c) { try body(c.lowerBound, c.count, $0) } }
            return
        }
        let me = UncheckedBox(self)
        try readingAhead(count: chunks.count, depth: depth, rows: { chunks[$0].count },
                         body: { k, rows in try body(chunks[k].lowerBound, chunks[k].count, rows) }) { k, out in
            try me.value.readRows(split, positions: chunks[k], into: out)
        }
    }

    /// Runs `read(k, out)` for k in order on a `PrefetchQueue` thread into fresh arrays of `rows(k)` rows
    /// and `body(k, rows)` here. Resident: the array in use plus at most `depth` read ahead (the
    /// persistent streaming buffer is freed first, so the budget holds `depth + 1` blocks).
    private func readingAhead(count: Int, depth: Int, rows: @escaping (Int) -> Int,
                              body: (Int, UnsafePointer<Float>) throws -> Void,
                              read: @escaping (Int, UnsafeMutablePointer<Float>) throws -> Void) throws {
        streamBuffer = []
        let width = rowWidth
        let make = UncheckedBox((rows, read))
        let queue = PrefetchQueue<[Float]>(count: count, depth: depth, name: "thaw.tap-read-ahead") { k in
            let (rows, read) = make.value
            return try [Float](unsafeUninitializedCapacity: rows(k) * width) { out, filled in
                try read(k, out.baseAddress!)
                filled = rows(k) * width
            }
        }
        // Stop and join before returning: the caller reads the same LMDB environment next (validation).
        defer { queue.cancelAndWait() }
        for k in 0..<count {
            let block = try queue.take(k)
            try block.withUnsafeBufferPointer { try body(k, $0.baseAddress!) }
        }
    }
}

/// Hands a value the compiler cannot prove thread-safe to the read-ahead thread: `TapData` and the
/// closures it reads with touch only immutable state and the reader, which no other thread uses meanwhile.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
