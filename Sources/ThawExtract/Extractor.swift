import Foundation
import ThawBackbones
import ThawInputs
import ThawKernels
import ThawStore
import ThawText

/// Runs a frozen backbone once over a data set into a `CacheWriter`, resumably.
///
/// Cache index i is the i-th selected sample in data-set order; records hold only what the
/// sample and the settings determine, so batch size, shards and interruptions never change a
/// byte. Committed records are skipped. A sample that cannot be read under `OnError.skip` gets a
/// placeholder record (label −1, every tap zero, id prefixed by `skippedIDPrefix`) so the store
/// counts it done and `thaw cache verify` stays clean; the run summary lists why.
/// With augmented views, val/test samples store their centre crop under every view number
/// (the format holds every view of every index).
public final class Extractor {
    /// Id prefix of a placeholder record for a sample that could not be read.
    public static let skippedIDPrefix = "!skipped:"

    public let backbone: any Backbone
    public let input: ExtractInput
    public let options: ExtractOptions
    public let selection: SampleSelection
    public let manifest: Manifest
    private let labelIndex: [String: Int]
    // State of the run in progress.
    private var summary = ExtractSummary()
    private var writer: CacheWriter?

    /// Builds the manifest (tap shapes from `backbone.outputShape`, layouts from its cut points).
    /// Throws for an unknown tap or an unreadable source.
    public init(backbone: any Backbone, weightsSHA256: String, input: ExtractInput, options: ExtractOptions,
                toolVersion: String) throws {
        if case .text = input, options.augmentedViews > 0 {
            throw ExtractError(file: "--views", problem: "augmented views apply to images only", fix: "drop --views for text data")
        }
        self.backbone = backbone
        self.input = input
        self.options = options
        let source = input.source
        selection = SampleSelection(source: source, split: options.split, limit: options.limit)
        labelIndex = source.labelIndex()
        var taps: [TapSpec] = []
        for name in options.taps {
            let cut = backbone.cutPoints[try backbone.cutIndex(name)]
            let shape = try backbone.outputShape(at: name, inputShape: input.inputShape)
            guard shape.count == cut.layout.count else {
                throw BackboneError("\(backbone.name): cut point \(name) has layout \(cut.layout) but shape \(shape)")
            }
            taps.append(TapSpec(name: name, dtype: options.dtype, shape: shape, layout: cut.layout))
        }
        manifest = Manifest(toolVersion: toolVersion, backbone: backbone.name, weightsSHA256: weightsSHA256,
                            preprocessing: input.presetJSON(views: options.augmentedViews + 1), taps: taps,
                            dataFingerprint: try source.fingerprint() + selection.fingerprintSuffix,
                            labelNames: source.labelNames, splitNames: Split.allCases.map(\.rawValue),
                            sampleCount: selection.samples.count, views: options.augmentedViews + 1,
                            shard: options.shard)
    }

    /// Extracts every record of the shard range that `writer` lacks. `shouldStop` is polled after
    /// each forward batch; when it returns true the work so far is committed and the run returns
    /// with `stopped` set. `progress(done, total)` counts samples of the shard range.
    public func run(into writer: CacheWriter, shouldStop: () -> Bool = { false },
                    progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> ExtractSummary {
        precondition(writer.manifest == manifest, "open the CacheWriter with this extractor's manifest")
        let views = manifest.views
        let range = manifest.indexRange
        let pending = range.filter { i in (0..<views).contains { !writer.isCommitted(CacheKey(index: i, view: $0)) } }
        summary = ExtractSummary()
        self.writer = writer
        defer { self.writer = nil }
        var done = range.count - pending.count
        progress(done, range.count)
        switch input {
        case .images(let source, let preset):
            try runImages(source, preset: preset, pending: pending, shouldStop: shouldStop) { n in
                done += n; progress(done, range.count)
            }
        case .text(let source, let tokenizer):
            try runText(source, tokenizer: tokenizer, pending: pending, shouldStop: shouldStop) { n in
                done += n; progress(done, range.count)
            }
        }
        summary.complete = try writer.finish()
        summary.recordsCommitted = writer.committedCount
        return summary
    }

    // MARK: - Images

    private func runImages(_ source: any ImageSource, preset: Preprocessing, pending: [Int],
                           shouldStop: () -> Bool, advanced: (Int) -> Void) throws {
        let batch = options.batchSize
        let wanted = pending.map { selection.samples[$0] }
        let pipeline = DecodePipeline(source: source, samples: wanted, preprocessing: preset, batchSize: batch,
                                      depth: 3, workers: options.decodeWorkers, onError: options.onError)
        defer { pipeline.cancel() }
        let augment = options.augmentedViews > 0 ? AugmentedView(preset: preset) : nil
        let per = preset.outputCount
        let decoder = ImageDecoder()
        var start = 0
        while let decoded = try pipeline.next() {
            let chunk = Array(pending[start..<min(start + batch, pending.count)])
            start += chunk.count
            // Forward rows: each kept sample's centre crop, then its augmented views (train only).
            var rows: [(position: Int, view: Int)] = []
            var pixels = decoded.pixels   // [rows, crop, crop, 3]
            var keptPosition: [Int: Int] = [:]   // source index → position in chunk
            for (p, i) in chunk.enumerated() { keptPosition[selection.samples[i].index] = p }
            for (k, s) in decoded.samples.enumerated() { rows.append((keptPosition[s.index]!, 0)); _ = k }
            if let augment {
                for s in decoded.samples where s.split == .train {
                    let p = keptPosition[s.index]!
                    let image = try source.loadImage(s, decoder: decoder)
                    for v in 1...options.augmentedViews {
                        pixels.append(contentsOf: repeatElement(0, count: per))
                        pixels.withUnsafeMutableBufferPointer { augment.render(image, index: chunk[p], view: v, into: $0.baseAddress! + (rows.count) * per) }
                        rows.append((p, v))
                    }
                }
            }
            let outputs = rows.isEmpty ? [] : try forward(Activations(tensor: Tensor(shape: [rows.count] + preset.outputShape, data: pixels)), rows: rows.count)
            // Per sample, in index order: its views, or a placeholder if it was skipped.
            var rowsOf = [[Int]](repeating: [], count: chunk.count)   // position → forward rows by view
            for (r, row) in rows.enumerated() { rowsOf[row.position].append(r) }
            let reasons = Dictionary(pipeline.skipped.entries.map { ($0.index, $0.error.description) }, uniquingKeysWith: { a, _ in a })
            for (p, i) in chunk.enumerated() {
                let sample = selection.samples[i]
                if rowsOf[p].isEmpty {
                    try emit(index: i, sample, nil, reasons[sample.index] ?? "could not be read")
                } else {
                    try emit(index: i, sample, outputs.map { $0.slices(rows: rowsOf[p]) }, nil)
                }
            }
            summary.samplesProcessed += chunk.count
            advanced(chunk.count)
            if shouldStop() { summary.stopped = true; return }
        }
    }

    // MARK: - Text

    private func runText(_ source: any TextSource, tokenizer: BertTokenizer, pending: [Int],
                         shouldStop: () -> Bool, advanced: (Int) -> Void) throws {
        let length = tokenizer.maxLength
        var start = 0
        while start < pending.count {
            let chunk = Array(pending[start..<min(start + options.batchSize, pending.count)])
            start += chunk.count
            var texts: [String] = [], kept: [Int] = [], reasons: [Int: String] = [:]
            for (p, i) in chunk.enumerated() {
                do { texts.append(try source.loadText(selection.samples[i])); kept.append(p) } catch let e as InputError where options.onError == .skip {
                    reasons[p] = e.description
                }
            }
            var outputs: [TapOutput] = []
            if !texts.isEmpty {
                let tokens = tokenizer.encodeBatch(texts, padding: .fixed(length))   // [n, T]
                let ids = Tensor(shape: [texts.count, length], data: tokens.ids.map { Float($0) })
                outputs = try forward(Activations(tensor: ids, mask: tokens.attentionMask.map { Float($0) }), rows: texts.count)
            }
            var row = 0
            for (p, i) in chunk.enumerated() {
                if let reason = reasons[p] {
                    try emit(index: i, selection.samples[i], nil, reason)
                } else {
                    try emit(index: i, selection.samples[i], outputs.map { $0.slices(rows: [row]) }, nil)
                    row += 1
                }
            }
            summary.samplesProcessed += chunk.count
            advanced(chunk.count)
            if shouldStop() { summary.stopped = true; return }
        }
    }

    // MARK: - Shared

    /// One tap's output for a forward batch: [rows, elementCount].
    private struct TapOutput {
        var data: [Float]
        var elementCount: Int
        /// Per view (in order), the row's elements.
        func slices(rows: [Int]) -> [[Float]] {
            rows.map { Array(data[($0 * elementCount)..<(($0 + 1) * elementCount)]) }
        }
    }

    private func forward(_ x: Activations, rows: Int) throws -> [TapOutput] {
        let out = try backbone.forward(x, from: nil, taps: options.taps)
        return try manifest.taps.map { spec in
            guard let a = out[spec.name], a.tensor.count == rows * spec.elementCount else {
                throw BackboneError("\(backbone.name): tap \(spec.name) returned \(out[spec.name]?.tensor.shape ?? []), expected [\(rows)] + \(spec.shape)")
            }
            return TapOutput(data: a.tensor.data, elementCount: spec.elementCount)
        }
    }

    /// Appends every view of one sample. `taps[t][v]` is view v of tap t (val/test have only
    /// view 0, repeated); nil taps write the skipped placeholder, and `reason` lists it.
    private func emit(index: Int, _ sample: ThawInputs.Sample, _ taps: [[[Float]]]?, _ reason: String?) throws {
        let writer = self.writer!
        if let reason { summary.skipped.append((index, sample.id, reason)) }
        let split = Split.allCases.firstIndex(of: sample.split ?? .train)!
        for v in 0..<manifest.views {
            let record: ThawStore.Sample
            if let taps {
                let label = Int32(labelIndex[sample.label] ?? -1)
                record = ThawStore.Sample(index: index, view: v, label: label, split: split, id: sample.id,
                                          taps: taps.map { $0.count > v ? $0[v] : $0[0] })
            } else {
                record = ThawStore.Sample(index: index, view: v, label: -1, split: split, id: Self.skippedIDPrefix + sample.id,
                                          taps: manifest.taps.map { [Float](repeating: 0, count: $0.elementCount) })
            }
            if try writer.append(record) { summary.recordsWritten += 1 }
        }
    }
}
