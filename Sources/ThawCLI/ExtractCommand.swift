import ArgumentParser
import Foundation
import ThawAssets
import ThawBackbones
import ThawBLAS
import ThawCore
import ThawExtract
import ThawFit
import ThawInputs
import ThawKernels
import ThawRuns
import ThawStore
import ThawText

/// `thaw extract`: runs a frozen backbone once over a data set into an LMDB feature cache.
struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Run a frozen backbone over a data set once into an LMDB feature cache (resumable, shardable).",
        discussion: """
            Re-running the same command resumes: committed records are skipped, and the finished cache \
            equals an uninterrupted run's byte for byte. Ctrl-C stops at the next commit. A different \
            model, weights, preprocessing, taps or data is refused with the differing fields.
            Default taps: \(DefaultTaps.help).
            SOURCE: a class-per-folder directory (images, or .txt files → text), a .csv/.jsonl manifest, \
            an IDX images file, or fashion-mnist | mnist-5k | bbc-news.
            """)

    @Option(help: "Model name (see `thaw models`).") var model: String
    @Option(help: "Weight file (.pth/.pt/.safetensors); default: the installed weights of the model.") var weights: String?
    @Option(help: "Data source (see below).") var data: String
    @Option(help: "Cache directory, e.g. cache/NAME.") var cache: String
    @Option(name: .customLong("tap"), help: "Cut point to store (repeatable; default: the model's default taps, below).") var taps: [String] = []
    @Option(help: "Storage type: f16, bf16 or f32.") var dtype: String = "f16"
    @Option(help: "Square input size (crop); the resize keeps the model's resize/crop ratio (default: the model's own, e.g. 224 for EfficientNet-Lite0).") var imageSize: Int?
    @Option(help: "Text models: tokens per text, [CLS] and [SEP] included; longer texts are truncated, shorter ones padded. Recorded in the cache, so `thaw finetune`, `thaw predict` and `thaw export` use the same length. 2 up to the model's maximum. (default: the model's maximum, e.g. 256 for all-minilm-l6-v2, 384 for all-mpnet-base-v2)") var maxTokens: Int?
    @Option(help: "Samples per decode batch, rounded up to a multiple of 16; also per forward where the model computes each sample alone (EfficientNet-Lite, MobileNetV2 on CPUs with AVX-512 or AVX2 + FMA), else forwards of 16. Changes speed and memory, never the bytes.") var batch: Int = 32
    @Option(help: "Extract shard i of N (i/N), e.g. 0/4; merge with `thaw cache merge`.") var shard: String = "0/1"
    @Option(help: "Augmented views per training image (random-resized-crop + flip), stored as views 1…K.") var views: Int = 0
    @Option(help: "At most N samples per split: train, val and test each, so --limit 100 gives up to 300 samples (stratified, deterministic; for demos and tests; default: every sample).") var limit: Int?
    @Option(help: "On an unreadable sample: stop, or skip (stored as a placeholder, listed in the run record).") var onError: String = "stop"
    @Option(help: "Samples per LMDB commit.") var commitEvery: Int = 256
    @Flag(help: "Run every 3×3 convolution through im2col, never Winograd F(4×4, 3×3): the bytes of caches extracted before Winograd (features differ by ~1e-6 relative); slower. Resume a cache with the setting it was started with.") var noWinograd = false
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        guard DType(rawValue: dtype) != nil else { throw ValidationError("--dtype must be f16, bf16 or f32") }
        guard ShardSpec(parsing: shard) != nil else { throw ValidationError("--shard must be i/N with 0 ≤ i < N, e.g. 0/4") }
        guard OnError(rawValue: onError) != nil else { throw ValidationError("--on-error must be stop or skip") }
        guard batch >= 1, commitEvery >= 1 else { throw ValidationError("--batch and --commit-every must be ≥ 1") }
        guard views >= 0 && views < 65535 else { throw ValidationError("--views must be in 0..<65535") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
        if let maxTokens, maxTokens < 2 {
            throw ValidationError("--max-tokens \(maxTokens): a text needs at least 2 tokens ([CLS] and [SEP]); pass 2 up to the model's maximum")
        }
        if let imageSize, !(8...Self.maxImageSize).contains(imageSize) {
            throw ValidationError("--image-size must be in 8…\(Self.maxImageSize) (models are trained at 224–512; a batch of \(batch) at \(imageSize) would need "
                                  + "\(Self.pixelGigabytes(imageSize, batch: batch)) GB for the pixels alone)")
        }
        if let repeated = Dictionary(grouping: taps, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw ValidationError("--tap \(repeated) is given more than once; name each tap once")
        }
    }

    /// Largest `--image-size`: 4096² RGB float32 is 200 MB per image before any activation.
    static let maxImageSize = 4096

    /// Gigabytes of float32 RGB input for one batch at `size`, overflow-safe.
    static func pixelGigabytes(_ size: Int, batch: Int) -> String {
        String(format: "%.0f", Double(size) * Double(size) * 3 * 4 * Double(max(batch, 1)) / 1e9)
    }

    /// A cache started with im2col convolutions (`--no-winograd`, or by a Thaw before Winograd)
    /// is resumed with im2col, so its records stay byte-identical whatever the resuming run's flags.
    private func followCacheConvolution(_ backbone: any Backbone) {
        guard backbone.convolutionAlgorithm != nil, FileManager.default.fileExists(atPath: cache + "/data.mdb"),
              let existing = try? CacheReader(path: cache).manifest, existing.convolution == nil,
              existing.backbone == backbone.name else { return }
        WinogradChoice.policy = .never
        FileHandle.standardError.write(Data("note: \(cache) was started with im2col convolutions: continuing with them (as --no-winograd)\n".utf8))
    }

    func run() throws {
        let started = Date()
        // Past `ulimit -f`, write(2) fails with EFBIG, which LMDB reports as a clean error naming the
        // cache; left at its default, SIGXFSZ would kill the process mid-commit without a word.
        signal(SIGXFSZ, SIG_IGN)
        // Large buffers mapped and unmapped whole, so the resident set stays flat over a long run (docs/scale.md).
        LargeAllocations.mapBuffers(atLeast: LargeAllocations.extractThreshold)
        if noWinograd { WinogradChoice.policy = .never }
        let entry = try ModelCatalog.named(model)
        let weightsPath = try entry.weightsPath(given: weights)
        // A kernel forced with OPENBLAS_CORETYPE can cost half the speed of an overnight job: say so, from the
        // figures `thaw doctor` stored (measured here, ≈3 s, only when this machine has none yet).
        if let forced = ForcedKernel.check(seconds: 1, size: 1024, policy: .reuseStored), forced.comparison.costsSpeed {
            FileHandle.standardError.write(Data((forced.comparison.warning + "\n").utf8))
        }
        let sha = try SHA256.hex(ofFile: weightsPath)
        let backbone = try entry.load(weightsPath)
        let spec = try DataSpec.resolve(data)
        if !spec.skippedLinks.isEmpty {
            let shown = spec.skippedLinks.prefix(5).joined(separator: ", ") + (spec.skippedLinks.count > 5 ? ", …" : "")
            FileHandle.standardError.write(Data(("warning: \(data): \(spec.skippedLinks.count) folder link(s) not followed because they lead "
                + "back to a folder already listed (a loop or a duplicate): \(shown)\n").utf8))
        }
        followCacheConvolution(backbone)
        let input = try makeInput(entry, backbone: backbone, weightsPath: weightsPath, data: spec)
        let options = ExtractOptions(taps: taps.isEmpty ? DefaultTaps.of(backbone) : taps, dtype: DType(rawValue: dtype)!,
                                     batchSize: batch, shard: ShardSpec(parsing: shard)!, augmentedViews: views,
                                     onError: OnError(rawValue: onError)!, limit: limit)
        let extractor = try Extractor(backbone: backbone, weightsSHA256: sha, input: input, options: options, toolVersion: thawVersion)
        let writer = try CacheWriter.open(at: cache, manifest: extractor.manifest, batchSize: commitEvery)

        let stop = StopSignal { sig in
            FileHandle.standardError.write(Data("\nthaw: signal \(sig): stopping after the current batch (press again to quit now)\n".utf8))
        }
        defer { stop.cancel() }
        let range = extractor.manifest.indexRange
        var bar: ProgressBar?
        let summary = try extractor.run(into: writer, shouldStop: { stop.isRaised }) { done, total in
            guard let bar else { bar = ProgressBar("extract", total: total, alreadyDone: done); return }
            bar.extra = "committed \(writer.committedCount)"
            bar.advance(by: done - bar.done)
        }
        // The last batches are committed by `run` after its last progress call: the final line says so.
        let expected = extractor.manifest.expectedRecordCount
        bar?.extra = summary.complete ? "all \(summary.recordsCommitted) records committed"
                                      : "committed \(summary.recordsCommitted) of \(expected) records"
        bar?.finish()
        _ = range
        let wall = Date().timeIntervalSince(started)
        let rate = wall > 0 ? Double(summary.samplesProcessed) / wall : 0
        let bytes = (try? FileManager.default.attributesOfItem(atPath: cache + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
        let peak = PeakMemory.residentBytes()

        var record = RunRecord(id: RunRecord.newID(kind: .extract, date: started), kind: .extract,
                               commandLine: CommandLine.arguments, startedAt: started, wallSeconds: wall, cache: cache,
                               cacheFingerprint: extractor.manifest.fingerprint,
                               samplesPerSecond: rate, peakRSSBytes: peak,
                               blasKernel: (try? BLAS.load())?.corename, thawVersion: thawVersion)
        record.config = ["model": .string(model), "weights": .string(weightsPath), "data": .string(data),
                         "taps": .array(options.taps.map { .string($0) }), "dtype": .string(dtype), "batch": .number(Double(batch)),
                         "forwardSamples": .number(Double(extractor.forwardSamples)),
                         "shard": .string(shard), "views": .number(Double(views)), "onError": .string(onError)]
        if let limit { record.config["limit"] = .number(Double(limit)) }
        if case .text(_, let tokenizer) = input { record.config["max_tokens"] = .number(Double(tokenizer.maxLength)) }
        record.metrics = ["samples": .number(Double(summary.samplesProcessed)), "records": .number(Double(summary.recordsWritten)),
                          "committed": .number(Double(summary.recordsCommitted)), "complete": .bool(summary.complete),
                          "stopped": .bool(summary.stopped), "cacheBytes": .number(Double(bytes)),
                          "skipped": .array(summary.skipped.map { .object(["index": .number(Double($0.index)), "id": .string($0.id), "reason": .string($0.reason)]) })]
        let saved = try RunRegistry.beside(cache: cache).save(record)

        if json {
            struct Out: Encodable {
                var cache: String, samples: Int, records: Int, committed: Int, complete: Bool, stopped: Bool
                var wallSeconds: Double, samplesPerSecond: Double, cacheBytes: Int, peakRSSBytes: Int?, skipped: [String], runRecord: String
            }
            try printJSON(Out(cache: cache, samples: summary.samplesProcessed, records: summary.recordsWritten,
                              committed: summary.recordsCommitted, complete: summary.complete, stopped: summary.stopped,
                              wallSeconds: wall, samplesPerSecond: rate, cacheBytes: bytes, peakRSSBytes: peak,
                              skipped: summary.skipped.map { "#\($0.index) \($0.id): \($0.reason)" }, runRecord: saved.path))
        } else {
            // --limit is per split: say what it gave (a limited cache is small, so counting its records is cheap).
            let perSplit = try limit.map { "; --limit \($0) is per split: " + (try CacheReader(path: cache).info().samplesPerSplit) } ?? ""
            print(String(format: "extracted %d samples in %.1f s (%.1f samples/s); cache %@ %.1f MB, %d/%d records%@; peak RSS %.0f MB",
                         summary.samplesProcessed, wall, rate, cache, Double(bytes) / 1e6, summary.recordsCommitted,
                         extractor.manifest.expectedRecordCount, summary.complete ? ", complete" : "", Double(peak ?? 0) / 1e6) + perSplit)
            for s in summary.skipped { print("skipped #\(s.index) \(s.id): \(s.reason)") }
            print("run record: \(saved.path)")
        }
        if summary.stopped {
            FileHandle.standardError.write(Data("thaw: stopped; \(summary.recordsCommitted) records committed. Resume with the same command:\n  \(CommandLine.arguments.joined(separator: " "))\n".utf8))
            throw ExitCode(130)
        }
    }

    private func makeInput(_ entry: ModelEntry, backbone: any Backbone, weightsPath: String, data: DataSpec) throws -> ExtractInput {
        switch entry.input {
        case .image: if maxTokens != nil { throw ValidationError("--max-tokens applies to text models; \(entry.name) takes images (see --image-size)") }
        case .text: if imageSize != nil { throw ValidationError("--image-size applies to image models; \(entry.name) takes text (see --max-tokens)") }
        }
        switch (entry.input, data) {
        case (.image, .images(let source)):
            return .images(source, preset: try entry.imagePreprocessing(crop: imageSize))
        case (.text(let maxLength), .text(let source)):
            // The model's maximum: the catalog's length, within the positions the loaded weights hold.
            let positions = (backbone as? BertBackbone)?.encoder.configuration.maxLength ?? maxLength
            let maximum = min(maxLength, positions)
            if let maxTokens, maxTokens > maximum {
                throw ValidationError("--max-tokens \(maxTokens) is above \(entry.name)'s maximum of \(maximum) tokens; pass 2…\(maximum) "
                                      + "(or leave it out for \(maximum))")
            }
            let folder = URL(fileURLWithPath: weightsPath).deletingLastPathComponent()
            return .text(source, tokenizer: try BertTokenizer(modelDirectory: folder, maxLength: maxTokens ?? maximum))
        case (.image, .text):
            throw ValidationError("\(entry.name) takes images but \(self.data) holds text; pick a text model (e.g. all-minilm-l6-v2)")
        case (.text, .images):
            throw ValidationError("\(entry.name) takes text but \(self.data) holds images; pick an image model")
        }
    }
}
