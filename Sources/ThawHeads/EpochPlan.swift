import ThawCore

/// The order in which one epoch visits the training rows, defined so that reading from memory and
/// streaming from LMDB see the same batches: the cache's index range is cut into blocks of
/// `blockSize` sample indices, the blocks are shuffled, and the rows inside each block are shuffled.
/// A streamed epoch then reads one block at a time, in this order.
public struct EpochPlan: Sendable {
    /// Training rows (positions into the sorted training indices) of one block, in visiting order.
    public struct Block: Sendable {
        /// Positions of the block's rows in the training set: a contiguous range (indices are sorted).
        public var positions: Range<Int>
        /// Sample indices covered by the block.
        public var indices: Range<Int>
        /// `positions` shuffled.
        public var order: [Int]
    }
    public var blocks: [Block]

    /// Plan of epoch `epoch`. `trainIndices` must be sorted ascending.
    public init(trainIndices: [Int], indexRange: Range<Int>, blockSize: Int, seed: UInt64, epoch: Int) {
        precondition(blockSize >= 1, "EpochPlan: blockSize must be ≥ 1")
        var ranges = stride(from: indexRange.lowerBound, to: indexRange.upperBound, by: blockSize)
            .map { $0..<min($0 + blockSize, indexRange.upperBound) }
        var g = SplitMix64(seed: seed ^ (UInt64(epoch) &* 0xD1B5_4A32_D192_ED03))
        // Shuffle the blocks (Fisher–Yates on their positions).
        var perm = Array(ranges.indices)
        g.shuffle(&perm)
        ranges = perm.map { ranges[$0] }
        blocks = ranges.compactMap { r in
            let lo = EpochPlan.lowerBound(trainIndices, r.lowerBound), hi = EpochPlan.lowerBound(trainIndices, r.upperBound)
            guard lo < hi else { return nil }
            var order = Array(lo..<hi)
            g.shuffle(&order)
            return Block(positions: lo..<hi, indices: r, order: order)
        }
    }

    /// First position in sorted `a` whose value is ≥ `x`.
    static func lowerBound(_ a: [Int], _ x: Int) -> Int {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
