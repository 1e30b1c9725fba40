import ThawCore

/// Seeded, stratified train/val/test assignment for samples the source gave no split.
/// Deterministic across runs and machines: its own PRNG (splitmix64), classes in sorted order,
/// indices shuffled per class with a seed derived from the class name.
public struct StratifiedSplit: Codable, Sendable, Equatable {
    public var train: Double
    public var val: Double
    public var test: Double
    public var seed: UInt64

    public init(train: Double = 0.8, val: Double = 0.1, test: Double = 0.1, seed: UInt64 = 0) {
        precondition(train >= 0 && val >= 0 && test >= 0 && abs(train + val + test - 1) < 1e-9,
                     "split fractions must be non-negative and sum to 1")
        self.train = train; self.val = val; self.test = test; self.seed = seed
    }

    /// Returns `samples` with every missing split filled in; given splits are kept.
    public func assign(_ samples: [Sample]) -> [Sample] {
        var out = samples
        var byLabel: [String: [Int]] = [:]
        for (i, s) in samples.enumerated() where s.split == nil { byLabel[s.label, default: []].append(i) }
        for label in byLabel.keys.sorted() {
            var members = byLabel[label]!
            var h = FNV1a(); h.add(label)
            var rng = SplitMix64(seed: seed ^ h.value)
            if members.count > 1 {
                for i in stride(from: members.count - 1, to: 0, by: -1) {
                    members.swapAt(i, Int(rng.next() % UInt64(i + 1)))
                }
            }
            let n = members.count
            let nVal = Int((Double(n) * val).rounded()), nTest = Int((Double(n) * test).rounded())
            let nTrain = max(n - nVal - nTest, 0)
            for (k, i) in members.enumerated() {
                out[i].split = k < nTrain ? .train : (k < nTrain + nVal ? .val : .test)
            }
        }
        return out
    }
}
