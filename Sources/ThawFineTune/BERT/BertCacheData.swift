import ThawStore

/// Cached BERT hidden states of one split in memory, with each sample's token count.
///
/// Caches store `layer.K` as [T, C] padded to the tokenizer's fixed length and no mask (the
/// extractor does not write one), so the count comes from `tokenCount(sampleID)`: `thaw finetune`
/// re-tokenizes the sample's text from the data source named by `--data`.
public struct BertSplit: Sendable {
    public var states: [Float]     // [N, T, C]
    public var counts: [Int]       // [N] tokens (≥ 1) per sample; positions ≥ count are padding
    public var labels: [Int32]     // [N]
    /// Sample index and stored id of each row [N].
    public var indices: [Int] = [], ids: [String] = []
    public let length: Int, channels: Int
    public var count: Int { labels.count }

    public init(length: Int, channels: Int) { self.length = length; self.channels = channels; states = []; counts = []; labels = [] }

    /// Rows `rows` gathered into [rows.count, t, C], keeping the first `t` positions of each.
    func gather<S: Collection>(_ rows: S, length t: Int, into x: inout [Float]) where S.Element == Int {
        let c = channels, rowWidth = length * c
        x.removeAll(keepingCapacity: true)
        for r in rows { x.append(contentsOf: states[(r * rowWidth)..<(r * rowWidth + t * c)]) }
    }
}

/// The train, validation and test splits of a BERT tap.
public struct BertCacheData: Sendable {
    public var train: BertSplit, validation: BertSplit, test: BertSplit
    public var notes: [String] = []

    /// Reads tap `tap` ([T, C], layout TC) of every labelled sample of view 0.
    public static func load(cache path: String, tap: String, tokenCount: (String) throws -> Int) throws -> BertCacheData {
        try load(reader: try CacheReader(path: path), tap: tap, tokenCount: tokenCount)
    }

    /// `load(cache:tap:tokenCount:)` on a cache already open (its manifest is not read again).
    public static func load(reader: CacheReader, tap: String, tokenCount: (String) throws -> Int) throws -> BertCacheData {
        let path = reader.path
        let m = reader.manifest
        let position = try reader.tapIndex(tap)
        let spec = m.taps[position]
        guard spec.shape.count == 2 else {
            throw FineTuneError("\(path): tap \(tap) has shape \(spec.shape) (\(spec.layout)); BERT fine-tuning starts from "
                                + "hidden states [T, C]. Fix: pass --from layer.K, extracted with --tap layer.K")
        }
        let t = spec.shape[0], c = spec.shape[1]
        var splits = [BertSplit](repeating: BertSplit(length: t, channels: c), count: 3)   // train, val, test
        var skipped = 0
        try reader.forEach { s in
            guard s.key.view == 0 else { return true }
            guard s.label >= 0, (0..<3).contains(s.split) else { skipped += 1; return true }
            let n = try tokenCount(s.id)
            guard (1...t).contains(n) else {
                throw FineTuneError("\(path): sample \(s.id) has \(n) tokens, the cache holds \(t) positions. "
                                    + "Fix: pass the --data the cache was extracted from")
            }
            splits[s.split].states += s.taps[position]
            splits[s.split].counts.append(n)
            splits[s.split].labels.append(s.label)
            splits[s.split].indices.append(s.key.index)
            splits[s.split].ids.append(s.id)
            return true
        }
        guard splits[0].count > 0 else {
            throw FineTuneError("\(path): no training samples in tap \(tap). Fix: extract a training split first")
        }
        var data = BertCacheData(train: splits[0], validation: splits[1], test: splits[2])
        if skipped > 0 { data.notes.append("\(skipped) samples skipped at extraction are left out") }
        if splits[1].count == 0 {
            data.notes.append("the cache has no validation split: validating on the test split")
            data.validation = splits[2]
        }
        return data
    }
}

extension BertSplit {
    /// The split's hidden states run through `frozen` (layers between the cached tap and `--from`), with each
    /// sample's mask from its token count; same length and width (encoder layers keep [T, C]).
    func through(_ frozen: FrozenBlocks) throws -> BertSplit {
        guard count > 0 else { return self }
        let y = try frozen.runAll(states, count: count, rowShape: [length, channels]) { r0, r1 in
            (r0..<r1).flatMap { r in (0..<length).map { $0 < counts[r] ? Float(1) : 0 } }
        }
        var out = self
        out.states = y.x
        return out
    }
}

