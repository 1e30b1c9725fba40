import ThawCore
import ThawHeads

/// A seeded, stratified validation split carved out of the training rows (used when the cache has none).
public enum StratifiedCarve {
    /// Positions (into `labels`) that go to validation: per class, `fraction` of its rows (rounded,
    /// at least 1 when the class has 2 or more rows), chosen by a shuffle seeded with `seed`.
    /// Returned sorted.
    public static func validationRows(labels: [Int32], classes: Int, fraction: Double, seed: UInt64) -> [Int] {
        precondition(fraction > 0 && fraction < 1, "StratifiedCarve: fraction must be in (0, 1)")
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, y) in labels.enumerated() { byClass[Int(y)].append(i) }
        var out: [Int] = []
        for (c, rows) in byClass.enumerated() where rows.count >= 2 {
            var rows = rows
            var g = SplitMix64(seed: seed ^ (UInt64(c) &* 0x9E37_79B9_7F4A_7C15) ^ 0xCA4E_5EED)
            g.shuffle(&rows)
            let take = min(rows.count - 1, max(1, Int((Double(rows.count) * fraction).rounded())))
            out += rows.prefix(take)
        }
        return out.sorted()
    }
}
