import ThawInputs

/// The samples an extraction covers, densely re-indexed in data-set order: splits filled in by a
/// seeded `StratifiedSplit`, then optionally cut to `limit` samples per split.
public struct SampleSelection: Sendable {
    /// Cache index i holds `samples[i]` (whose own `index` is its position in the source).
    public let samples: [Sample]
    public let limit: Int?

    public init(source: any SampleSource, split: StratifiedSplit = StratifiedSplit(), limit: Int? = nil) {
        precondition(limit == nil || limit! > 0, "limit must be positive")
        let all = split.assign(source.samples)
        self.limit = limit
        guard let limit else { samples = all; return }
        samples = Self.stratifiedSubset(all, perSplit: limit, labelOrder: source.labelNames)
    }

    /// Per split, classes take turns (in label order), each giving its next sample in data-set
    /// order, until `perSplit` are taken; the result is back in data-set order.
    static func stratifiedSubset(_ samples: [Sample], perSplit: Int, labelOrder: [String]) -> [Sample] {
        var chosen: [Int] = []   // positions in `samples`
        for split in Split.allCases {
            var byClass: [String: [Int]] = [:]
            for (i, s) in samples.enumerated() where s.split == split { byClass[s.label, default: []].append(i) }
            let classes = labelOrder.filter { byClass[$0] != nil } + byClass.keys.filter { !labelOrder.contains($0) }.sorted()
            var cursor = [Int](repeating: 0, count: classes.count)
            var taken = 0, progressed = true
            while taken < perSplit && progressed {
                progressed = false
                for (c, name) in classes.enumerated() where taken < perSplit {
                    let list = byClass[name]!
                    if cursor[c] < list.count {
                        chosen.append(list[cursor[c]]); cursor[c] += 1; taken += 1; progressed = true
                    }
                }
            }
        }
        return chosen.sorted().map { samples[$0] }
    }

    /// Text mixed into the data fingerprint so a limited cache never passes for a full one.
    var fingerprintSuffix: String { limit.map { "|limit=\($0)/split" } ?? "" }
}
