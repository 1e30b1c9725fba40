import Foundation
import ThawCore
import ThawStore

/// Reading rows out of a `TapData`: training blocks, evaluation ranges, the whole training split.
extension TapData {
    /// The view training epoch `epoch` reads.
    public func view(forEpoch epoch: Int) -> Int { epoch % views }

    /// Records visited between two page releases while streaming (see `recordsPerRelease(taps:)`).
    var releaseEvery: Int { Self.recordsPerRelease(taps: manifest.taps) }

    /// Grows the streaming buffer to `floats`. The old buffer is freed first: replacing it in one
    /// assignment keeps both alive for a moment, and that sum (not the budget) set the peak RSS.
    func reserveStreamBuffer(_ floats: Int) {
        guard streamBuffer.count < floats else { return }
        streamBuffer = []
        streamBuffer = [Float](repeating: 0, count: floats)
    }

    /// Calls `body` with the rows [block.positions.count, rowWidth] of `block` (in position order) for `view`:
    /// a slice of memory, or the block freshly read from LMDB. The pointer is valid only inside `body`.
    /// A streamed block must hold at most `maxBlockRows` rows.
    public func withTrainingRows(_ block: EpochPlan.Block, view: Int,
                                 _ body: (UnsafePointer<Float>) throws -> Void) throws {
        let width = rowWidth
        if let mem = inMemory {
            try mem[view].withUnsafeBufferPointer { try body($0.baseAddress! + block.positions.lowerBound * width) }
            return
        }
        reserveStreamBuffer(block.positions.count * width)
        try streamBuffer.withUnsafeMutableBufferPointer { try readTrainingRows(block, view: view, into: $0.baseAddress!) }
        try streamBuffer.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Reads the rows of streamed `block` for `view` from LMDB into `out` [block.positions.count, rowWidth].
    /// Touches no state of `self` but the reader, so it may run on a read-ahead thread.
    func readTrainingRows(_ block: EpochPlan.Block, view: Int, into out: UnsafeMutablePointer<Float>) throws {
        precondition(block.positions.count <= maxBlockRows, "TapData: block of \(block.positions.count) rows over maxBlockRows \(maxBlockRows)")
        let width = rowWidth, releaseEvery = releaseEvery
        var filled = 0, visited = 0
        try reader.forEach(from: CacheKey(index: block.indices.lowerBound), chunk: Self.scanChunk, only: decodedTap) { s in
            guard s.key.index < block.indices.upperBound else { return false }
            // Mapped pages of every visited record add up, used or skipped (other views, splits).
            visited += 1
            if visited % releaseEvery == 0 { reader.releaseResidentPages() }
            guard s.key.view == view && s.split == trainSplit else { return true }
            let p = EpochPlan.lowerBound(trainIndices, s.key.index)
            guard p < trainIndices.count, trainIndices[p] == s.key.index else { return true }   // carved into validation
            try copyRow(s, into: out + (p - block.positions.lowerBound) * width)
            filled += 1
            return true
        }
        reader.releaseResidentPages()
        guard filled == block.positions.count else {
            throw HeadsError("\(path): block \(block.indices) holds \(filled) of \(block.positions.count) training records "
                             + "for view \(view); the cache changed while training. Fix: retrain on a finished cache")
        }
    }

    /// Calls `body` with rows [positions.count, rowWidth] of an evaluation split (positions into its
    /// ascending sample indices): a slice of memory, or read from LMDB. Streamed reads hold at most
    /// `maxBlockRows` rows. The pointer is valid only inside `body`.
    public func withRows(_ split: EvaluationSplit, positions: Range<Int>,
                         _ body: (UnsafePointer<Float>) throws -> Void) throws {
        let width = rowWidth
        if let mem = split == .validation ? validationRows : testRows {
            try mem.withUnsafeBufferPointer { try body($0.baseAddress! + positions.lowerBound * width) }
            return
        }
        reserveStreamBuffer(positions.count * width)
        try streamBuffer.withUnsafeMutableBufferPointer { try readRows(split, positions: positions, into: $0.baseAddress!) }
        try streamBuffer.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Reads rows `positions` of a streamed evaluation split from LMDB into `out` [positions.count, rowWidth].
    /// Touches no state of `self` but the reader, so it may run on a read-ahead thread.
    func readRows(_ split: EvaluationSplit, positions: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        precondition(positions.count <= maxBlockRows, "TapData: \(positions.count) rows over maxBlockRows \(maxBlockRows)")
        let width = rowWidth, releaseEvery = releaseEvery
        let indices = split == .validation ? validationIndices : testIndices
        for p in positions {
            guard let s = try reader.sample(at: indices[p], only: decodedTap) else {
                throw HeadsError("\(path): sample \(indices[p]) vanished while reading \(split.rawValue). Fix: evaluate a finished cache")
            }
            try copyRow(s, into: out + (p - positions.lowerBound) * width)
            if (p - positions.lowerBound + 1) % releaseEvery == 0 { reader.releaseResidentPages() }
        }
        reader.releaseResidentPages()
    }

    /// Copies this tap of `s` to `out` [rowWidth], refusing non-finite values.
    func copyRow(_ s: CachedSample, into out: UnsafeMutablePointer<Float>) throws {
        let x = s.taps[tapPosition]
        if let j = x.firstIndex(where: { !$0.isFinite }) {
            throw HeadsError("\(path): tap \(tap.name) of sample \(s.key.index) (\(s.id)) holds \(x[j]) at element \(j). "
                             + "Fix: run `thaw cache verify` and re-extract it")
        }
        x.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: x.count) }
    }

    /// The whole training split as one in-memory set, every view appended as extra rows (L-BFGS and
    /// fine-tuning). With one view the rows are shared, not copied.
    public func trainingSet() throws -> FeatureSet {
        guard let mem = inMemory else {
            throw HeadsError("\(path): tap \(tap.name) is over the memory budget; L-BFGS and fine-tuning train from memory. "
                             + "Fix: raise --memory-budget (the tap needs \(manifest.expectedRecordCount * rowWidth * 4 / 1_048_576) MB "
                             + "plus \(MemoryBudget.fixedCost / 1_048_576) MB fixed) or use --optimizer adamw/sgd, which stream")
        }
        var labels: [Int32] = []
        for _ in 0..<views { labels += trainLabels }
        let rows = views == 1 ? mem[0] : Array(mem.joined())
        return try FeatureSet(name: "\(path):\(tap.name):train", features: rows, labels: labels, rowShape: rowShape)
    }
}
