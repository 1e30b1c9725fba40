import Foundation
import ThawCore
import ThawInputs
import ThawRuns
import ThawStore

/// The samples of a cache, re-read from their source for fine-tuning from raw images: the
/// cache's records give which samples, their labels and splits (so `--limit` and the stratified
/// split of the extraction carry over); the source gives the pixels; the manifest gives the preset.
public struct RawFineTuneData {
    /// One sample to load: where it is in the source and its class.
    public struct Item: Sendable {
        public var sample: Sample
        public var label: Int32
    }

    public let source: any ImageSource
    /// The data argument the source was resolved from.
    public let data: String
    public let preset: Preprocessing
    public let train: [Item]
    public let validation: [Item]
    public let test: [Item]?
    public let classNames: [String]
    public let carvedValidation: Bool
    public let notes: [String]

    public var classes: Int { classNames.count }

    /// Lists the cache's samples in `data` (or, when nil, the source named by the extract run
    /// recorded beside the cache). Throws when the source's fingerprint differs from the manifest's,
    /// a cached sample is missing from the source, or there is nothing to train on.
    public static func load(cache: String, data: String?, validationFraction: Double = 0.1, seed: UInt64) throws -> RawFineTuneData {
        try load(reader: try CacheReader(path: cache), data: data, validationFraction: validationFraction, seed: seed)
    }

    /// `load(cache:data:validationFraction:seed:)` on a cache already open (its manifest is not read again).
    public static func load(reader: CacheReader, data: String?, validationFraction: Double = 0.1, seed: UInt64) throws -> RawFineTuneData {
        let cache = reader.path
        let m = reader.manifest
        let spec = try data ?? recordedData(cache: cache)
        guard case .images(let source) = try DataSpec.resolve(spec) else {
            throw FineTuneError("--data \(spec): holds text; fine-tuning from raw inputs needs the images the cache was extracted from")
        }
        // The manifest's fingerprint may carry a suffix (e.g. "|limit=N/split"); the source's is its prefix.
        let fp = try source.fingerprint()
        guard m.dataFingerprint == fp || m.dataFingerprint.hasPrefix(fp + "|") else {
            throw FineTuneError("\(spec): its files differ from the data \(cache) was extracted from (fingerprint \(fp.prefix(16)) "
                                + "vs \(m.dataFingerprint.prefix(16))). Fix: pass --data with the source the cache was extracted from")
        }
        let preset = try Self.preset(m.preprocessing, cache: cache)
        let byID = Dictionary(source.samples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let trainSplit = m.splitNames.firstIndex(of: "train")
        let valSplit = m.splitNames.firstIndex { ["val", "validation", "valid"].contains($0) }
        let testSplit = m.splitNames.firstIndex(of: "test")
        var train: [Item] = [], val: [Item] = [], test: [Item] = []
        try reader.forEach { s in
            guard s.key.view == 0, !s.isSkippedPlaceholder else { return true }
            guard let sample = byID[s.id] else {
                throw FineTuneError("\(spec): has no sample \(s.id) (cached in \(cache) at index \(s.key.index)). "
                                    + "Fix: pass --data with the source the cache was extracted from")
            }
            guard s.label >= 0 && Int(s.label) < m.labelNames.count else {
                throw FineTuneError("\(cache): sample \(s.key.index) (\(s.id)) has label \(s.label), outside 0..<\(m.labelNames.count). "
                                    + "Fix: re-extract with labels for every sample")
            }
            let item = Item(sample: sample, label: s.label)
            if s.split == trainSplit { train.append(item) } else if s.split == valSplit { val.append(item) }
            else if s.split == testSplit { test.append(item) }
            return true
        }
        guard !train.isEmpty else {
            throw FineTuneError("\(cache): no training samples. Fix: extract a data set with a train split")
        }
        var notes: [String] = [], carved = false
        if val.isEmpty {
            let rows = StratifiedSplitter(style: .carve, seed: seed)
                .validationRows(labels: train.map(\.label), classes: m.labelNames.count, fraction: validationFraction)
            guard !rows.isEmpty else {
                throw FineTuneError("\(cache): no validation split and too few training samples to carve one. Fix: extract a val split")
            }
            let isVal = Set(rows)
            val = rows.map { train[$0] }
            train = train.indices.filter { !isVal.contains($0) }.map { train[$0] }
            carved = true
            notes.append("no validation split in the cache: carved a stratified \(Int(validationFraction * 100))% of train "
                         + "(\(val.count) samples, seed \(seed))")
        }
        if testSplit == nil || test.isEmpty { notes.append("no test split in the cache: test metrics are left out") }
        return RawFineTuneData(source: source, data: spec, preset: preset, train: train, validation: val,
                               test: test.isEmpty ? nil : test, classNames: m.labelNames, carvedValidation: carved, notes: notes)
    }

    /// The `--data` of the newest extract run recorded beside `cache` for it.
    static func recordedData(cache: String) throws -> String {
        let runs = (try? RunRegistry.beside(cache: cache).all()) ?? []
        let standard = URL(fileURLWithPath: cache).standardizedFileURL.path
        let extract = runs.filter { $0.kind == .extract && $0.cache.map { URL(fileURLWithPath: $0).standardizedFileURL.path } == standard }
            .max { $0.startedAt < $1.startedAt }
        guard case .string(let data)? = extract?.config["data"] else {
            throw FineTuneError("\(cache): no extract run recorded beside the cache names its data source. "
                                + "Fix: pass --data with the source the cache was extracted from (e.g. --data fashion-mnist)")
        }
        return data
    }

    /// The image preset of a manifest's preprocessing text (plain, or under "preset" with augmented views).
    static func preset(_ text: String, cache: String) throws -> Preprocessing {
        if let p = Preprocessing(manifestText: text) { return p }
        throw FineTuneError("\(cache): the manifest's preprocessing is not an image preset (\(text.prefix(80))). "
                            + "Fix: fine-tune from raw inputs only on image caches")
    }
}
