/// The one seeded, stratified splitter: cuts the members of each class into train and held-out parts.
/// Deterministic across runs and machines (its own splitmix64 stream per class).
///
/// Two styles exist because caches and run records already made with each must keep their exact
/// splits; they differ in three ways, all fixed by `style`:
///
/// | | `.extraction` (`thaw extract`: train/val/test for samples without a split) | `.carve` (validation carved out of a cache's train split: fit, sweep, fine-tune) |
/// |---|---|---|
/// | shuffle | Fisher–Yates with `next() % (i + 1)` | `SplitMix64.shuffle` (multiply-high index) |
/// | counts | each held-out part round(n·fraction); train keeps the rest, maybe none | classes under 2 members stay in train; each part round(n·fraction) clamped to 1…(left − 1) |
/// | order | train takes the front of the shuffled class, then the parts in order | the parts take the front, in order; train keeps the rest |
///
/// The class seed comes from how the class is named (`Stratum`), not from the style.
public struct StratifiedSplitter: Sendable {
    public enum Style: Sendable, Equatable {
        case extraction
        case carve
    }

    /// A class as the caller knows it: by label name (listed samples) or by class index (cache labels).
    public enum Stratum: Sendable {
        /// Seed = seed ^ FNV-1a(name).
        case label(String)
        /// Seed = seed ^ (index · 0x9E3779B97F4A7C15) ^ 0xCA4E5EED.
        case classIndex(Int)
    }

    public var style: Style
    public var seed: UInt64

    public init(style: Style, seed: UInt64) {
        self.style = style
        self.seed = seed
    }

    /// `members` (any order) cut into train and one part per fraction in `heldOut` (fractions ≥ 0).
    /// Each returned array keeps the shuffled order.
    public func cut(_ members: [Int], of stratum: Stratum, heldOut fractions: [Double]) -> (train: [Int], heldOut: [[Int]]) {
        precondition(fractions.allSatisfy { $0 >= 0 && $0 <= 1 }, "StratifiedSplitter: fractions must be in [0, 1]")
        var order = members
        var rng = SplitMix64(seed: classSeed(stratum))
        let n = order.count
        switch style {
        case .extraction:
            if n > 1 {
                for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            }
            let counts = fractions.map { Int((Double(n) * $0).rounded()) }
            var start = max(n - counts.reduce(0, +), 0)
            let train = Array(order[..<start])
            let parts = counts.map { c -> [Int] in
                let end = min(start + c, n)
                defer { start = end }
                return Array(order[start..<end])
            }
            return (train, parts)
        case .carve:
            guard n >= 2 else { return (order, fractions.map { _ in [] }) }
            rng.shuffle(&order)
            var start = 0
            let parts = fractions.map { f -> [Int] in
                let take = max(0, min(n - start - 1, max(1, Int((Double(n) * f).rounded()))))
                defer { start += take }
                return Array(order[start..<(start + take)])
            }
            return (Array(order[start...]), parts)
        }
    }

    /// `.carve` for the usual case: positions (into `labels`, class indices 0..<classes) that go to
    /// validation, `fraction` of each class, sorted.
    public func validationRows(labels: [Int32], classes: Int, fraction: Double) -> [Int] {
        precondition(fraction > 0 && fraction < 1, "StratifiedSplitter: fraction must be in (0, 1)")
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, y) in labels.enumerated() { byClass[Int(y)].append(i) }
        var out: [Int] = []
        for (c, rows) in byClass.enumerated() { out += cut(rows, of: .classIndex(c), heldOut: [fraction]).heldOut[0] }
        return out.sorted()
    }

    /// Stratified K-fold cross-validation (`thaw sweep --folds K`): positions into `labels` (class
    /// indices 0..<classes) dealt into `k` disjoint folds that together hold every position once, each
    /// sorted. Each class is shuffled (`SplitMix64.shuffle`, seeded as `.classIndex`) and dealt round
    /// robin, starting where the previous class stopped, so every class is split as evenly as it can be
    /// (fold counts of a class differ by at most 1) and so are the fold sizes. The style plays no part.
    /// A class with fewer than `k` members leaves some folds without it: callers refuse that case.
    public func folds(labels: [Int32], classes: Int, k: Int) -> [[Int]] {
        precondition(k >= 2, "StratifiedSplitter: k-fold needs k ≥ 2")
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, y) in labels.enumerated() { byClass[Int(y)].append(i) }
        var out = [[Int]](repeating: [], count: k)
        var next = 0
        for (c, rows) in byClass.enumerated() {
            var order = rows
            var rng = SplitMix64(seed: classSeed(.classIndex(c)))
            rng.shuffle(&order)
            for p in order {
                out[next].append(p)
                next = (next + 1) % k
            }
        }
        return out.map { $0.sorted() }
    }

    private func classSeed(_ stratum: Stratum) -> UInt64 {
        switch stratum {
        case .label(let name):
            var h = FNV1a(); h.add(name)
            return seed ^ h.value
        case .classIndex(let c):
            return seed ^ (UInt64(c) &* 0x9E37_79B9_7F4A_7C15) ^ 0xCA4E_5EED
        }
    }
}
