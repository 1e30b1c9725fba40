import Foundation
import ThawBundle
import ThawInputs
import ThawStore

/// A bundle applied to the features a cache stored: a head bundle reads its tap; a fine-tuned
/// image network runs from the deepest cached map onwards (the frozen layers below it are the same
/// weights the cache was extracted with). The backbone never runs below the cache.
enum CachePrediction {
    static func run(cache: String, split: Split?, batch: Int, runner: BundleRunner, total: (Int) -> Void,
                    emit: ([Float], [(index: Int, id: String, label: String?)]) throws -> Void) throws {
        let reader = try CacheReader(path: cache)
        let m = reader.manifest
        let d = runner.bundle.description
        guard m.backbone == d.backbone.name, m.weightsSHA256 == d.backbone.weightsSHA256 else {
            throw PredictError(file: cache, problem: "holds features of \(m.backbone) weights \(m.weightsSHA256.prefix(12))…, but the bundle \(runner.bundle.path) was made from \(d.backbone.name) weights \(d.backbone.weightsSHA256.prefix(12))…",
                               fix: "predict from a cache extracted with the bundle's backbone and weights, or from the raw inputs (--data)")
        }
        // The tap the bundle reads, or (fine-tuned) the deepest cached map the network can start from.
        let start: TapSpec
        if d.kind == .head {
            guard let t = m.taps.first(where: { $0.name == d.tap.name }), t.shape == d.tap.shape else {
                throw PredictError(file: cache, problem: "has no tap \(d.tap.name) of shape \(d.tap.shape) (taps: \(m.taps.map { "\($0.name) \($0.shape)" }.joined(separator: ", ")))",
                                   fix: "extract it with `thaw extract --taps \(d.tap.name)`, or predict from the raw inputs (--data)")
            }
            start = t
        } else {
            guard d.input == .image else {
                throw PredictError(file: cache, problem: "is a text cache; a fine-tuned text network runs from raw text only",
                                   fix: "pass the texts (--data or strings) instead of --cache")
            }
            let cuts = runner.backbone.cutPoints.map(\.name)
            let order = { (name: String) in cuts.firstIndex(of: name) ?? -1 }
            // HWC maps (CNNs) or TC token maps (vision transformers).
            guard let t = m.taps.filter({ ($0.shape.count == 3 || $0.layout == "TC") && order($0.name) >= 0 && order($0.name) < order(d.tap.name) })
                    .max(by: { order($0.name) < order($1.name) }) else {
                throw PredictError(file: cache, problem: "holds no feature map the fine-tuned network can start from",
                                   fix: "predict from the raw inputs (--data) instead of --cache")
            }
            start = t
        }
        let tapPosition = try reader.tapIndex(start.name)
        let splitIndex = try split.map { s -> Int in
            guard let i = m.splitNames.firstIndex(of: s.rawValue) else {
                throw PredictError(file: cache, problem: "has no split \(s.rawValue) (splits: \(m.splitNames.joined(separator: ", ")))", fix: "choose one of those")
            }
            return i
        }
        // For the progress bar only: split counts come from record headers, without decoding taps.
        total(try split.map { (try reader.info().recordsPerSplit[$0.rawValue] ?? 0) / m.views } ?? m.indexRange.count)
        var features: [Float] = [], samples: [(index: Int, id: String, label: String?)] = []
        func flush() throws {
            guard !samples.isEmpty else { return }
            let logits = d.kind == .head
                ? try runner.logits(tap: features, count: samples.count)
                : try runner.logits(from: start.name, maps: features, shape: start.shape, count: samples.count)
            try emit(logits, samples)
            features.removeAll(keepingCapacity: true)
            samples.removeAll(keepingCapacity: true)
        }
        try reader.forEach(chunk: max(batch, 32)) { s in
            guard s.key.view == 0, splitIndex == nil || s.split == splitIndex, !s.isSkippedPlaceholder else { return true }
            features += s.taps[tapPosition]
            samples.append((s.key.index, s.id, s.label >= 0 && Int(s.label) < m.labelNames.count ? m.labelNames[Int(s.label)] : nil))
            if samples.count == batch { try flush() }
            return true
        }
        try flush()
    }
}
