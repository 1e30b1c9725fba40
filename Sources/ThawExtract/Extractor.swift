import Foundation
import ThawBackbones
import ThawCore
import ThawInputs
import ThawKernels
import ThawStore
import ThawText

/// Runs a frozen backbone once over a data set into a `CacheWriter`, resumably.
///
/// Cache index i is the i-th selected sample in data-set order; records hold only what the
/// sample and the settings determine, so batch size, shards and interruptions never change a
/// byte. Committed records are skipped. A sample that cannot be read under `OnError.skip` gets a
/// placeholder record (label −1, every tap zero, id prefixed by `CachedSample.skippedIDPrefix`) so the store
/// counts it done and `thaw cache verify` stays clean; the run summary lists why.
/// With augmented views, val/test samples store their centre crop under every view number
/// (the format holds every view of every index).
public final class Extractor {
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
            throw FileError(file: "--views", problem: "augmented views apply to images only", fix: "drop --views for text data")
        }
        self.backbone = backbone
        self.input = input
        self.options = options
        let source = input.source
        selection = SampleSelection(source: source, split: options.split, limit: options.limit)
        labelIndex = source.labelIndex()
        var taps: [TapSpec] = []
        if let repeated = Dictionary(grouping: options.taps, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw FileError(file: "--tap", problem: "tap \(repeated) is named more than once", fix: "name each tap once")
        }
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
                            shard: options.shard, convolution: backbone.convolutionAlgorithm)
    }

    /// Samples per backbone forward. Fixed, and aligned to the cache index (block b holds indices
    /// 16b…16b+15): OpenBLAS's result for one row can depend on the GEMM's row count, so a sample is
    /// always computed in the same company and its bytes never depend on `--batch`, resumes or shards.
    /// A backbone that computes each sample alone (`Backbone.computesSamplesAlone`) instead runs a whole
    /// decode batch of blocks per forward (`forwardSamples`): the same bytes, fewer and larger forwards.
    public static let forwardBlock = 16

    /// Samples per forward call for this run: the decode batch (`--batch` in whole blocks) when the
    /// backbone computes each sample alone for these taps, else one block. Lite0, 10,000 Fashion-MNIST images,
    /// 5 alternating rounds on 2 shared cores (load 1.9–4.5): CPU per image 10.79 ms in forwards of 16, 10.42 in
    /// forwards of 32 (median of per-round ratios 1.039); peak RSS 221 → 293 MB.
    public var forwardSamples: Int {
        backbone.computesSamplesAlone(taps: options.taps) ? Self.decodeBatch(options.batchSize) : Self.forwardBlock
    }

    /// `batchSize` rounded up to whole forward blocks, so a decode batch splits into aligned blocks.
    static func decodeBatch(_ batchSize: Int) -> Int { (batchSize + forwardBlock - 1) / forwardBlock * forwardBlock }

    /// Extracts every record of the shard range that `writer` lacks. `shouldStop` is polled after
    /// each forward block; when it returns true the work so far is committed and the run returns
    /// with `stopped` set. `progress(done, total)` counts samples of the shard range.
    /// Blocks cut by a shard boundary or an earlier commit are recomputed whole; only missing
    /// records of this shard are written.
    public func run(into writer: CacheWriter, shouldStop: () -> Bool = { false },
                    progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> ExtractSummary {
        precondition(writer.manifest == manifest, "open the CacheWriter with this extractor's manifest")
        let views = manifest.views, block = Self.forwardBlock
        let range = manifest.indexRange
        let needed = range.filter { i in (0..<views).contains { !writer.isCommitted(CacheKey(index: i, view: $0)) } }
        var blocks: [Int] = []
        for i in needed where blocks.last != i / block { blocks.append(i / block) }
        let work = blocks.flatMap { b in (b * block)..<min((b + 1) * block, manifest.sampleCount) }
        let neededSet = Set(needed)
        summary = ExtractSummary()
        self.writer = writer
        defer { self.writer = nil }
        var done = range.count - needed.count
        progress(done, range.count)
        let advanced: (ArraySlice<Int>) -> Void = { chunk in
            let n = chunk.reduce(0) { $0 + (neededSet.contains($1) ? 1 : 0) }
            self.summary.samplesProcessed += n
            done += n
            progress(done, range.count)
        }
        switch input {
        case .images(let source, let preset):
            try runImages(source, preset: preset, work: work, shouldStop: shouldStop, advanced: advanced)
        case .text(let source, let tokenizer):
            try runText(source, tokenizer: tokenizer, work: work, shouldStop: shouldStop, advanced: advanced)
        }
        summary.complete = try writer.finish()
        summary.recordsCommitted = writer.committedCount
        return summary
    }

    // MARK: - Images

    /// `work`: cache indices of whole forward blocks, in order.
    private func runImages(_ source: any ImageSource, preset: Preprocessing, work: [Int],
                           shouldStop: () -> Bool, advanced: (ArraySlice<Int>) -> Void) throws {
        let block = Self.forwardBlock, group = forwardSamples
        // Decode batches are whole blocks, so each splits into aligned forward blocks (or is one forward).
        let decodeBatch = Self.decodeBatch(options.batchSize)
        // Two batches ahead from 32 samples on: about the pixels of three batches of 16 in flight (decoding
        // is a few % of an extraction's CPU); Lite0 at 32: peak RSS 311 → 292 MB against three ahead.
        let pipeline = DecodePipeline(source: source, samples: work.map { selection.samples[$0] }, preprocessing: preset,
                                      batchSize: decodeBatch, depth: decodeBatch >= 2 * block ? 2 : 3, workers: options.decodeWorkers,
                                      onError: options.onError, decodeBytes: options.decodeBytes)
        defer { pipeline.cancel() }
        let augment = options.augmentedViews > 0 ? AugmentedView(preset: preset) : nil
        let per = preset.outputCount
        let decoder = ImageDecoder()
        var start = 0
        while let decoded = try pipeline.next() {
            let chunk = work[start..<min(start + decodeBatch, work.count)]
            start = chunk.endIndex
            var kept = 0   // next row of `decoded`
            for blockStart in stride(from: chunk.startIndex, to: chunk.endIndex, by: group) {
                let indices = chunk[blockStart..<min(blockStart + group, chunk.endIndex)]
                // Forward rows: each decoded sample's centre crop, then its augmented views (train only).
                var rows: [(position: Int, view: Int)] = []
                let first = kept   // the block's decoded samples are rows first..<kept of `decoded`
                for (p, i) in indices.enumerated() where kept < decoded.samples.count && decoded.samples[kept].index == selection.samples[i].index {
                    rows.append((p, 0))
                    kept += 1
                }
                // [rows, crop, crop, 3]: the decoded batch itself when the block is all of it (no copy), else a copy.
                var pixels = first == 0 && kept == decoded.samples.count ? decoded.pixels
                                                                          : Array(decoded.pixels[(first * per)..<(kept * per)])
                if let augment {
                    for (p, _) in rows where selection.samples[indices[indices.startIndex + p]].split == .train {
                        let i = indices[indices.startIndex + p]
                        let image = try source.loadImage(selection.samples[i], decoder: decoder)
                        for v in 1...options.augmentedViews {
                            let offset = pixels.count
                            pixels.append(contentsOf: repeatElement(0, count: per))
                            pixels.withUnsafeMutableBufferPointer { augment.render(image, index: i, view: v, into: $0.baseAddress! + offset) }
                            rows.append((p, v))
                        }
                    }
                }
                let outputs = rows.isEmpty ? [] : try forward(Activations(tensor: Tensor(shape: [rows.count] + preset.outputShape, data: pixels)), rows: rows.count)
                var rowsOf = [[Int]](repeating: [], count: indices.count)   // position → forward rows, by view
                for (r, row) in rows.enumerated() { rowsOf[row.position].append(r) }
                for (p, i) in indices.enumerated() {
                    let sample = selection.samples[i]
                    if rowsOf[p].isEmpty {
                        let reason = pipeline.skipped.entries.first { $0.index == sample.index }?.error.description ?? "could not be read"
                        try emit(index: i, sample, nil, reason)
                    } else {
                        try emit(index: i, sample, outputs.map { $0.slices(rows: rowsOf[p]) }, nil)
                    }
                }
                advanced(indices)
                if shouldStop() { summary.stopped = true; return }
            }
            pipeline.recycle(decoded)
        }
    }

    // MARK: - Text

    private func runText(_ source: any TextSource, tokenizer: BertTokenizer, work: [Int],
                         shouldStop: () -> Bool, advanced: (ArraySlice<Int>) -> Void) throws {
        let length = tokenizer.maxLength
        for blockStart in stride(from: 0, to: work.count, by: Self.forwardBlock) {
            let indices = work[blockStart..<min(blockStart + Self.forwardBlock, work.count)]
            var texts: [String] = [], reasons: [Int: String] = [:]
            for i in indices {
                do { texts.append(try source.loadText(selection.samples[i])) } catch let e as FileError where options.onError == .skip {
                    reasons[i] = e.description
                }
            }
            var outputs: [TapOutput] = []
            if !texts.isEmpty {
                let tokens = tokenizer.encodeBatch(texts, padding: .fixed(length))   // [n, T]
                let ids = Tensor(shape: [texts.count, length], data: tokens.ids.map { Float($0) })
                outputs = try forward(Activations(tensor: ids, mask: tokens.attentionMask.map { Float($0) }), rows: texts.count)
            }
            var row = 0
            for i in indices {
                if let reason = reasons[i] {
                    try emit(index: i, selection.samples[i], nil, reason)
                } else {
                    try emit(index: i, selection.samples[i], outputs.map { $0.slices(rows: [row]) }, nil)
                    row += 1
                }
            }
            advanced(indices)
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
    private func emit(index: Int, _ sample: Sample, _ taps: [[[Float]]]?, _ reason: String?) throws {
        let writer = self.writer!
        guard manifest.indexRange.contains(index) else { return }   // a block's neighbour in another shard
        // A recomputed block also holds samples committed earlier: neither rewritten nor re-listed.
        guard (0..<manifest.views).contains(where: { !writer.isCommitted(CacheKey(index: index, view: $0)) }) else { return }
        if let reason { summary.skipped.append((index, sample.id, reason)) }
        let split = Split.allCases.firstIndex(of: sample.split ?? .train)!
        for v in 0..<manifest.views {
            let record: CachedSample
            if let taps {
                let label = Int32(labelIndex[sample.label] ?? -1)
                record = CachedSample(index: index, view: v, label: label, split: split, id: sample.id,
                                          taps: taps.map { $0.count > v ? $0[v] : $0[0] })
            } else {
                record = CachedSample(index: index, view: v, label: -1, split: split, id: CachedSample.skippedIDPrefix + sample.id,
                                          taps: manifest.taps.map { [Float](repeating: 0, count: $0.elementCount) })
            }
            if try writer.append(record) { summary.recordsWritten += 1 }
        }
    }
}
