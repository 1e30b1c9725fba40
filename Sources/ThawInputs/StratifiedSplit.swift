import ThawCore

/// Seeded, stratified train/val/test assignment for samples the source gave no split.
/// The fractions and seed `thaw extract` records; the cut itself is `StratifiedSplitter`'s `.extraction` style
/// (classes seeded by their label name).
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
        let splitter = StratifiedSplitter(style: .extraction, seed: seed)
        for label in byLabel.keys.sorted() {
            let (train, parts) = splitter.cut(byLabel[label]!, of: .label(label), heldOut: [val, test])
            for i in train { out[i].split = .train }
            for i in parts[0] { out[i].split = .val }
            for i in parts[1] { out[i].split = .test }
        }
        return out
    }
}
