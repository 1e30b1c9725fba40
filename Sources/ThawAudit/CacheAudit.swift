import Foundation
import ThawAssets
import ThawBackbones
import ThawCore
import ThawExtract
import ThawInputs
import ThawRuns
import ThawStore
import ThawText
import ThawWeights

/// What `thaw cache audit` does: a seeded sample of whole forward blocks of a cache is extracted
/// again at float32 from the cache's source, and each tap's stored values (f16 / bf16) are
/// compared with it; a logistic-regression probe trained on each shows what the storage type costs.
///
/// Whole blocks keep every sample in the company it was computed in (`Extractor.forwardBlock`),
/// so the float32 values equal the original computation's and the difference is the storage's alone.
public struct AuditOptions: Sendable {
    public var cache: String
    /// Samples to re-extract, rounded up to whole forward blocks of 16.
    public var samples: Int
    public var seed: UInt64
    /// Weights and data source; default: those of the extract run recorded beside the cache.
    public var weights: String?
    public var data: String?

    public init(cache: String, samples: Int = 512, seed: UInt64 = 0, weights: String? = nil, data: String? = nil) {
        self.cache = cache; self.samples = samples; self.seed = seed; self.weights = weights; self.data = data
    }
}

public enum CacheAudit {
    /// Runs the audit. `progress(done, total)` counts re-extracted samples.
    public static func run(_ o: AuditOptions, progress: (Int, Int) -> Void = { _, _ in }) throws -> AuditResult {
        let started = Date()
        let reader = try CacheReader(path: o.cache)
        let m = reader.manifest
        let recorded = recordedExtract(cache: o.cache)
        let model = recorded?.config["model"]?.string ?? m.backbone
        let entry = try ModelCatalog.named(model)
        let weights = try WeightFolder.weightFile(o.weights ?? recorded?.config["weights"]?.string ?? installedWeights(entry, cache: o.cache))
        let sha = try SHA256.hex(ofFile: weights)
        guard m.weightsSHA256.isEmpty || m.weightsSHA256 == sha else {
            throw FileError(file: weights, problem: "its SHA-256 \(sha.prefix(16))… differs from the weights \(o.cache) was extracted with "
                            + "(\(m.weightsSHA256.prefix(16))…)", fix: "pass --weights with the file the cache was extracted with")
        }
        guard let dataName = o.data ?? recorded?.config["data"]?.string else {
            throw FileError(file: o.cache, problem: "no extract run recorded beside the cache names its data source",
                            fix: "pass --data with the source the cache was extracted from (e.g. --data fashion-mnist)")
        }
        let spec = try DataSpec.resolve(dataName)
        let listed: any SampleSource = { switch spec { case .images(let s): return s; case .text(let s): return s } }()
        let fp = try listed.fingerprint()
        guard m.dataFingerprint == fp || m.dataFingerprint.hasPrefix(fp + "|") else {
            throw FileError(file: dataName, problem: "its files differ from the data \(o.cache) was extracted from "
                            + "(fingerprint \(fp.prefix(16)) vs \(m.dataFingerprint.prefix(16)))",
                            fix: "pass --data with the source the cache was extracted from")
        }

        // Whole forward blocks of the cache range, seeded; ascending, so a short last block stays last.
        let stored = try chosenRecords(reader, samples: o.samples, seed: o.seed)
        guard !stored.isEmpty else {
            throw FileError(file: o.cache, problem: "holds no records to audit", fix: "extract the cache first (thaw extract)")
        }
        let byID = Dictionary(listed.samples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let originals: [Sample] = try stored.map { s in
            guard var sample = byID[s.id] else {
                throw FileError(file: dataName, problem: "has no sample \(s.id) (cached at index \(s.key.index))",
                                fix: "pass --data with the source the cache was extracted from")
            }
            sample.split = m.splitNames.indices.contains(s.split) ? Split(rawValue: m.splitNames[s.split]) : nil
            return sample
        }

        let backbone = try entry.load(weights)
        let input: ExtractInput
        switch spec {
        case .images(let source):
            input = .images(AuditImageSubset(base: source, originals: originals), preset: try imagePreset(m.preprocessing, cache: o.cache))
        case .text(let source):
            let folder = URL(fileURLWithPath: weights).deletingLastPathComponent()
            let tokenizer = try BertTokenizer(modelDirectory: folder, maxLength: try textLength(m.preprocessing, cache: o.cache))
            input = .text(AuditTextSubset(base: source, originals: originals), tokenizer: tokenizer)
        }
        let exact = try reextract(backbone: backbone, sha: sha, input: input, taps: m.taps.map(\.name), progress: progress)

        guard exact.count == stored.count else {
            throw FileError(file: dataName, problem: "gave \(exact.count) samples where the cache holds \(stored.count)",
                            fix: "pass --data with the source the cache was extracted from")
        }
        var taps: [AuditResult.Tap] = []
        for (t, spec) in m.taps.enumerated() {
            var diff = TapDifference()
            for (s, e) in zip(stored, exact) { diff.add(stored: s.taps[t], exact: e.taps[t]) }
            let probe = LinearProbe.compare(stored: stored, exact: exact, tap: t, shape: spec.shape, manifest: m)
            taps.append(AuditResult.Tap(name: spec.name, dtype: spec.dtype.rawValue, shape: spec.shape,
                                        maxAbsError: diff.maxAbsolute, meanAbsError: diff.meanAbsolute,
                                        maxRelativeError: diff.maxRelative, probe: probe.result, probeNote: probe.note))
        }
        return AuditResult(cache: o.cache, backbone: m.backbone, samples: stored.count, seed: o.seed, weights: weights,
                           data: dataName, seconds: Date().timeIntervalSince(started), taps: taps)
    }

    /// View-0 records of seeded whole blocks, in cache order (skip placeholders dropped).
    static func chosenRecords(_ reader: CacheReader, samples: Int, seed: UInt64) throws -> [CachedSample] {
        let block = Extractor.forwardBlock
        let range = reader.manifest.indexRange
        guard !range.isEmpty else { return [] }
        var blocks = Array((range.lowerBound / block)...((range.upperBound - 1) / block))
        var rng = SplitMix64(seed: seed)
        blocks.shuffle(using: &rng)
        let chosen = blocks.prefix(max(1, (samples + block - 1) / block)).sorted()
        var out: [CachedSample] = []
        for b in chosen {
            let lo = max(b * block, range.lowerBound), hi = min((b + 1) * block, range.upperBound)
            out += try reader.samples(in: lo..<hi).filter { $0.key.view == 0 && !$0.isSkippedPlaceholder }
        }
        return out
    }

    /// Runs the extractor over the subset into a temporary float32 cache and reads it back.
    static func reextract(backbone: any Backbone, sha: String, input: ExtractInput, taps: [String],
                          progress: (Int, Int) -> Void) throws -> [CachedSample] {
        let options = ExtractOptions(taps: taps, dtype: .f32, batchSize: Extractor.forwardBlock, onError: .stop)
        let extractor = try Extractor(backbone: backbone, weightsSHA256: sha, input: input, options: options, toolVersion: thawVersion)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-audit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try CacheWriter.open(at: folder, manifest: extractor.manifest)
        _ = try extractor.run(into: writer, progress: progress)
        let reader = try CacheReader(path: folder)
        return try reader.samples(in: 0..<extractor.manifest.sampleCount)
    }

    /// The latest extract run recorded beside the cache, if any.
    static func recordedExtract(cache: String) -> RunRecord? {
        let standard = URL(fileURLWithPath: cache).standardizedFileURL.path
        return ((try? RunRegistry.beside(cache: cache).all()) ?? [])
            .filter { $0.kind == .extract && $0.cache.map { URL(fileURLWithPath: $0).standardizedFileURL.path } == standard }
            .max { $0.startedAt < $1.startedAt }
    }

    static func installedWeights(_ entry: ModelEntry, cache: String) throws -> String {
        guard let name = entry.defaultWeightsAsset, let asset = KnownAsset.named(name), let path = asset.find() else {
            throw FileError(file: cache, problem: "no extract run recorded beside the cache names its weights, and \(entry.name) has none installed",
                            fix: "pass --weights with the file the cache was extracted with")
        }
        return path
    }

    /// The image preset of a manifest's preprocessing text (plain, or under "preset" with augmented views).
    static func imagePreset(_ text: String, cache: String) throws -> Preprocessing {
        if let p = Preprocessing(manifestText: text) { return p }
        throw FileError(file: cache, problem: "its manifest's preprocessing is not an image preset (\(text.prefix(80)))",
                        fix: "re-extract the cache with this version of thaw")
    }

    static func textLength(_ text: String, cache: String) throws -> Int {
        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        guard let length = (object?["maxLength"] as? String).flatMap(Int.init), (1...8192).contains(length) else {
            throw FileError(file: cache, problem: "its manifest's text preprocessing has no maxLength in 1...8192",
                            fix: "re-extract the cache with this version of thaw")
        }
        return length
    }
}
