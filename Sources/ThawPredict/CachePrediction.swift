import Foundation
import ThawBundle
import ThawInputs
import ThawStore
import ThawTraining

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
        // Batches are read and decoded on a `PrefetchQueue` thread while the network runs on the previous one
        // (reading is serial: one core idled through it), and records of other splits or views are skipped
        // before decoding (a test split behind 60,000 training records).
        let labelNames = m.labelNames, views = m.views
        let include: (CacheKey, Int) -> Bool = { key, s in key.view == 0 && (splitIndex == nil || s == splitIndex) }
        let read = ReadState(reader: reader)
        let queue = PrefetchQueue<PredictionBatch>(count: Int.max, depth: 2, name: "thaw.predict-read") { _ in
            let r = read
            var b = PredictionBatch()
            guard let from = r.next else { return b }          // done: an empty batch ends the loop below
            r.next = nil
            try r.reader.forEach(from: from, chunk: batch, include: include, only: tapPosition) { s in
                // Resume just after it (without views a key is the index alone).
                r.next = views > 1 ? CacheKey(index: s.key.index, view: s.key.view + 1) : CacheKey(index: s.key.index + 1)
                guard !s.isSkippedPlaceholder else { return true }
                b.features += s.taps[tapPosition]
                b.samples.append((s.key.index, s.id, s.label >= 0 && Int(s.label) < labelNames.count ? labelNames[Int(s.label)] : nil))
                return b.samples.count < batch
            }
            if b.samples.count < batch { r.next = nil }        // the scan reached the end
            return b
        }
        // Stop and join before returning: the reader is not used from two threads.
        defer { queue.cancelAndWait() }
        for k in 0... {
            let b = try queue.take(k)
            guard !b.samples.isEmpty else { return }
            let logits = d.kind == .head
                ? try runner.logits(tap: b.features, count: b.samples.count)
                : try runner.logits(from: start.name, maps: b.features, shape: start.shape, count: b.samples.count)
            try emit(logits, b.samples)
        }
    }
}

/// One batch of cached features [samples, tap elements] and the samples they belong to.
private struct PredictionBatch {
    var features: [Float] = []
    var samples: [(index: Int, id: String, label: String?)] = []
}

/// The read-ahead thread's reader and position (the key to resume from; nil when done). Only that thread touches
/// it while the queue runs, so it crosses to it unchecked.
private final class ReadState: @unchecked Sendable {
    let reader: CacheReader
    var next: CacheKey? = CacheKey(index: 0)
    init(reader: CacheReader) { self.reader = reader }
}
