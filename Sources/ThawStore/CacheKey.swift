/// The key of a record: sample index as a big-endian u64 (so LMDB's byte order is data-set
/// order), followed by the view number as a big-endian u16 only when the manifest has views > 1.
public struct CacheKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var index: Int
    public var view: Int

    public init(index: Int, view: Int = 0) {
        self.index = index
        self.view = view
    }

    /// Key bytes: 8, or 10 with views.
    public func bytes(withViews: Bool) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: withViews ? 10 : 8)
        let i = UInt64(index)
        for b in 0..<8 { out[b] = UInt8(truncatingIfNeeded: i >> (56 - 8 * UInt64(b))) }
        if withViews {
            out[8] = UInt8(truncatingIfNeeded: view >> 8)
            out[9] = UInt8(truncatingIfNeeded: view)
        }
        return out
    }

    /// Parses key bytes; nil if the length is wrong for the manifest.
    public init?(_ raw: UnsafeRawBufferPointer, withViews: Bool) {
        guard raw.count == (withViews ? 10 : 8) else { return nil }
        var i: UInt64 = 0
        for b in 0..<8 { i = i << 8 | UInt64(raw[b]) }
        guard i <= UInt64(Int.max) else { return nil }
        index = Int(i)
        view = withViews ? Int(raw[8]) << 8 | Int(raw[9]) : 0
    }

    public static func < (a: CacheKey, b: CacheKey) -> Bool { (a.index, a.view) < (b.index, b.view) }

    public var description: String { view == 0 ? "#\(index)" : "#\(index) view \(view)" }
}
