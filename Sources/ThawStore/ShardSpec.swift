/// Shard `index` of `count`: a contiguous index range; the shards of one count are disjoint and
/// cover 0..<sampleCount exactly, with sizes differing by at most one (the first
/// `sampleCount % count` shards take one extra). No padding, no duplicates.
public struct ShardSpec: Codable, Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(_ index: Int, _ count: Int) {
        precondition(count >= 1 && index >= 0 && index < count, "shard index must be in 0..<count, count ≥ 1")
        self.index = index
        self.count = count
    }

    /// The whole data set as one shard.
    public static let whole = ShardSpec(0, 1)

    /// Parses "i/N" (as in `--shard 2/8`).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
        self.init(i, n)
    }

    /// The sample indices of this shard of `sampleCount` samples.
    public func range(sampleCount: Int) -> Range<Int> {
        let base = sampleCount / count, extra = sampleCount % count
        let lower = index * base + min(index, extra)
        return lower..<(lower + base + (index < extra ? 1 : 0))
    }

    public var description: String { "\(index)/\(count)" }
}
