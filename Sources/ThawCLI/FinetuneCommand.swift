import ArgumentParser
import Foundation
import ThawCore
import ThawAssets
import ThawBackbones
import ThawInputs
import ThawFineTune
import ThawFit
import ThawHeads
import ThawKernels
import ThawRuns
import ThawStore
import ThawText
import ThawWeights

/// `thaw finetune`: train the top blocks + a classifier from cached boundary maps (or from raw images).
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune the blocks above a cached boundary tap, the head stage and a classifier.",
        discussion: """
            From a cached tap the frozen layers never run again: training starts from the maps cached at --from. \
            EfficientNet-Lite caches (--from blocks.K), MobileNetV2 caches (--from features.K: features K+1…18), \
            ResNet caches (--from layerK, with --weights), ConvNeXt caches (--from stages.K: stages K+1…3 train, with \
            --weights), BERT and MPNet caches (--from layer.K, with --data; MPNet's shared relative position bias table \
            stays frozen, as the frozen layers below use it too) and vision transformers (--from blocks.K or embeddings: \
            the blocks above, the final norm, the pooling — CLIP's projection too — and a new classifier train). \
            --unfreeze N trains the top N blocks instead (N MBConv or inverted-residual blocks, ResNet or ConvNeXt \
            stages, BERT/MPNet layers or ViT blocks; it picks --from for you).

            Above a cached tap (blocks.11 cached, --from blocks.13): training starts from the cache, and the blocks \
            between (12–13) run frozen — forward only, no gradient — once per sample before training (on each chunk \
            as it is read when the maps stream).

            With no cached map at or below --from — EfficientNet-Lite: --from input (the whole network, stem \
            included), stem, or blocks.K under every cached map; MobileNetV2: features.K under every cached map \
            (the stem and features 1…K run frozen on the fly) — or with --raw, Thaw trains from the raw images, \
            re-read from the cache's source with random-resized-crop + flip, and says so. Other families train \
            from cached maps or hidden states only.

            Without --from: the model's fine-tuning boundary if cached (`thaw models` lists them; about the top \
            quarter of the network trains), else the deepest cached tap training can start from.

            Learning rate: linear warm-up over the first 10% of optimizer steps (from lr/warm-up steps up to --lr), \
            then cosine decay to 0 at the last step; block d places below the head trains at lr · layer-decay^d \
            (AdamW by default, global-norm clipping at --clip).

            Memory: by default the maps are loaded into memory when they fit a quarter of RAM (one shuffle of all \
            rows per epoch). With --memory-budget, or when they do not fit, they are read in shuffled blocks of \
            --block-size samples (streamed from LMDB when over the budget; the same numbers in memory or streamed).

            BatchNorm: frozen (running statistics, affine trained; Keras' advice), train (batch statistics; fastai's \
            default) or recalibrate (one pass re-estimates the running statistics, then frozen).
            """)

    @Option(help: "Cache directory.") var cache: String
    @Option(help: "Boundary tap, blocks.K (MobileNetV2: features.K): blocks K+1… are trained (ViT: also embeddings; ConvNeXt: stages.K), from the cached maps at K or below (blocks in between run frozen); input, stem or blocks.K (MobileNetV2: features.K) below every cached map: trains from raw images. (default: the model's boundary if cached, else the deepest cached one)") var from: String?
    @Option(help: "Train the top N blocks (EfficientNet-Lite MBConv blocks, MobileNetV2 inverted residuals, ResNet or ConvNeXt stages, BERT/MPNet layers, ViT blocks); exclusive with --from. (default: off, --from decides)") var unfreeze: Int?
    @Flag(help: "EfficientNet-Lite and MobileNetV2: train from the re-read raw images (random-resized-crop + flip) even when a cached map lies at or below --from; other families refuse it. (default: off)") var raw = false
    @Option(help: "Peak memory for the maps: bytes, 512M, 2G or 25% of RAM; reads the maps in shuffled blocks, streamed from LMDB when they do not fit. (default: none; all maps in memory when they fit a quarter of RAM)") var memoryBudget: String?
    @Option(help: "Sample indices per shuffled block when maps are read in blocks (--memory-budget), lowered to what the budget holds.") var blockSize = 1024
    @Option(help: "Backbone weights the cache was extracted with (default: the installed weights).") var weights: String?
    @Option(help: "linear (new), a head file from `thaw fit --export`, or the id of a fit run that exported one.") var head = "linear"
    @Option(help: "Epochs.") var epochs = 3
    @Option(help: "Peak learning rate of the head (linear warm-up over the first 10% of steps, then cosine decay to 0); block d below the head trains at lr · layer-decay^d.") var lr: Float = 1e-3
    @Option(help: "Per-block learning-rate decay going down.") var layerDecay: Float = 0.8
    @Option(help: "adamw or sgd (momentum 0.9).") var optimizer = "adamw"
    @Option(help: "Weight decay (convolution and linear weights only).") var weightDecay: Float = 0.01
    @Option(help: "BatchNorm policy: frozen, train or recalibrate.") var bn = "frozen"
    @Option(help: "BatchNorm momentum with --bn train, PyTorch's convention (default: the family's own, 0.01 for EfficientNet-Lite, 0.1 for ResNet and MobileNetV2).")
    var bnMomentum: Float?
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Rows per forward/backward chunk (bounds memory; gradients accumulate per batch).") var chunk = 32
    @Option(help: "Clip the global gradient norm (0: off).") var clip: Float = 1.0
    @Option(help: "Stop after N epochs without a lower validation loss (default: off, all epochs run).") var earlyStop: Int?
    @Option(help: "Folder for per-epoch checkpoints (default: none kept).") var checkpoint: String?
    @Flag(help: "Continue from the checkpoint in --checkpoint.") var resume = false
    @Option(help: "Write the fine-tuned backbone + classifier as one safetensors file (usable as --weights; default: none written).") var export: String?
    @Option(help: "Seed for shuffling and a new classifier.") var seed: UInt64 = 0
    @Option(help: RunName.help) var name: String?
    @Flag(help: "Also print the test split's per-class precision / recall / F1 / support and its confusion matrix.") var report = false
    @Option(help: "List the N most confident test mistakes: sample id, true and predicted class, confidence (default: 0, none).")
    var misclassified = 0
    @Flag(help: "Print the run record as JSON instead of text.") var json = false
    @Option(help: "The data the cache was extracted from: BERT/MPNet caches (re-tokenized for token counts; required there); --from input/stem/uncached blocks.K (images re-read; default: the data of the cache's extract run).") var data: String?
    @Option(help: "f32 or bf16: the operands of the trained 1×1 convolutions' GEMMs (EfficientNet-Lite, MobileNetV2, ResNet from cached maps). bf16 rounds them to bfloat16 and accumulates in float32 (weights, gradients and optimizer state stay float32), ≈ 2× the GEMM rate; needs a CPU with AVX512-BF16 (avx512_bf16).") var precision = "f32"
    @Flag(help: "BERT/MPNet caches: L2-normalise the mean-pooled vector before the classifier.") var l2 = false

    func validate() throws {
        guard epochs >= 1, batch >= 1, chunk >= 1 else { throw ValidationError("--epochs, --batch and --chunk must be ≥ 1.") }
        do {
            try HyperparameterCheck.positive(lr, flag: "--lr")
            try HyperparameterCheck.positive(layerDecay, flag: "--layer-decay")
            try HyperparameterCheck.nonNegative(weightDecay, flag: "--weight-decay")
            try HyperparameterCheck.nonNegative(clip, flag: "--clip")
        } catch let e as ThawError { throw ValidationError(e.description) }
        guard ["adamw", "sgd"].contains(optimizer) else { throw ValidationError("--optimizer: adamw or sgd.") }
        guard BatchNormPolicy(rawValue: bn) != nil else { throw ValidationError("--bn: frozen, train or recalibrate.") }
        if let m = bnMomentum, !(m > 0 && m <= 1) { throw ValidationError("--bn-momentum must be in (0, 1].") }
        if let e = earlyStop, e < 1 { throw ValidationError("--early-stop must be ≥ 1.") }
        if resume && checkpoint == nil { throw ValidationError("--resume needs --checkpoint DIR.") }
        guard misclassified >= 0 else { throw ValidationError("--misclassified must be ≥ 0 (0 lists none).") }
        if unfreeze != nil && from != nil { throw ValidationError("--unfreeze and --from both choose where training starts: pass one of them.") }
        if let n = unfreeze, n < 1 { throw ValidationError("--unfreeze must be ≥ 1 (the number of top blocks to train).") }
        guard blockSize >= 1 else { throw ValidationError("--block-size must be ≥ 1.") }
        guard let p = TrainingPrecision(rawValue: precision) else { throw ValidationError("--precision: f32 or bf16.") }
        if let missing = p.missingCPUFeature {
            throw ValidationError("--precision bf16 needs a CPU with \(missing); this CPU lacks it: use --precision f32.")
        }
    }

    func run() throws {
        try RunName.check(name)
        // Benchmark-only switch (undocumented): THAW_NO_AVX2_KERNELS=1 runs the BLAS/baseline paths instead of the
        // AVX2+FMA kernels on CPUs without AVX-512, to measure what they bring (benchmarks/finetune/README.md).
        if ProcessInfo.processInfo.environment["THAW_NO_AVX2_KERNELS"] == "1" { VectorISA.avx2Kernels = false }
        if let export { try OutputFolder.prepare(export, option: "--export") }
        // The one read of the manifest: the registry decides the plan from it, every path reads through `reader`.
        let reader = try CacheReader(path: cache)
        let weights = try resolveWeights(backbone: reader.manifest.backbone)
        let vit = try vitCheckpoint(reader, weights: weights)     // a ViT's weights: read once, here
        let start = try unfreeze.map { try unfrozenFrom($0, backbone: reader.manifest.backbone, weights: weights, vit: vit?.vit) } ?? from
            ?? vitBoundary(reader, vit: vit?.vit)
        let plan: FineTunePlan
        do { plan = try FineTunePlan(cache: reader, from: start, raw: raw) } catch let e as FineTuneError where unfreeze != nil {
            throw FineTuneError("--unfreeze \(unfreeze!) starts at \(start ?? "?"): \(e.description)")
        }
        if !json {
            if let n = unfreeze { print("note: --unfreeze \(n): --from \(plan.from) (\(plan.source.rawValue))") }
            else if from == nil { print("note: --from \(plan.from) (\(plan.source.rawValue)), chosen by the registry for \(reader.manifest.backbone)") }
        }
        var o = FineTuneOptions(cache: cache, from: plan.from.description, weights: weights)
        if let memoryBudget {
            o.memoryBudget = try MemoryBudget.parse(memoryBudget)
            try MemoryBudget.check(o.memoryBudget!)
        }
        o.blockSize = blockSize
        o.head = try resolveHead()
        o.epochs = epochs; o.lr = lr; o.layerDecay = layerDecay; o.weightDecay = weightDecay
        o.optimizer = optimizer == "sgd" ? .sgdDefault : .adamwDefault
        o.batchNorm = BatchNormPolicy(rawValue: bn)!
        o.batchNormMomentum = bnMomentum
        o.batch = batch; o.chunk = chunk; o.clip = clip > 0 ? clip : nil; o.earlyStop = earlyStop
        o.checkpointDir = checkpoint; o.resume = resume; o.seed = seed; o.export = export
        o.misclassified = misclassified
        o.precision = TrainingPrecision(rawValue: precision)!
        if o.precision != .f32 {
            guard case .cachedMaps = plan.source, !{ if case .vit = plan.trained { return true }; return false }() else {
                throw ValidationError("--precision \(precision) applies to fine-tuning EfficientNet-Lite, MobileNetV2 and ResNet from cached maps only.")
            }
        }
        switch plan.source {
        case .cachedHiddenStates: return try runBert(o, cache: reader, plan: plan)
        case .rawImages: return try runRaw(o, cache: reader, plan: plan)
        case .cachedMaps: if case .vit = plan.trained { return try runViT(o, cache: reader, plan: plan, checkpoint: vit) }
        }
        let quiet = json
        let printer = FineTuneProgressPrinter(quiet: quiet, checkpoint: checkpoint)
        // FineTuneError and FitError print as "Error: <what, and how to fix it>" (no usage text).
        let result = try FineTuneRun.run(o, cache: reader, plan: plan, commandLine: CommandLine.arguments,
                                         onLoaded: { printer.loaded($0) }) { printer.handle($0) }
        let (record, url) = try RunName.save(result.record, name: name, beside: cache)
        if json { return try printJSON(record) }
        printSummary(validation: result.validation, test: result.test, outcome: result.outcome,
                     speed: "maps/s (train)", record: record, url: url)
    }

    /// The --from tap of `--unfreeze n` (a generic BERT's layer count is read from `weights`, a ViT's from `vit`).
    func unfrozenFrom(_ n: Int, backbone: String, weights: String, vit: ViT?) throws -> String {
        var layers: Int? = nil
        switch (try? ModelCatalog.named(backbone))?.architecture {
        case .bert(nil)?, .mpnet(nil)?: layers = try BertBackbone.load(name: backbone, path: weights).encoder.configuration.layers
        case .vit?: layers = vit?.configuration.depth
        default: break
        }
        do { return try ModelCatalog.fromTap(unfreezing: n, backbone: backbone, encoderLayers: layers).description } catch let e as BackboneError {
            throw ValidationError(e.description)
        }
    }

    /// --weights, else the installed weights of the cache's backbone (the registry names them).
    func resolveWeights(backbone: String) throws -> String {
        if let weights { return try WeightFolder.weightFile(weights) }
        let entry = try? ModelCatalog.named(backbone)
        guard let asset = entry?.defaultWeightsAsset.flatMap({ KnownAsset.named($0) }) else {
            throw ValidationError("\(cache) was extracted with \(backbone), whose weights are not installed with Thaw. "
                                  + "Fix: pass --weights FILE, the checkpoint the cache was extracted with"
                                  + (entry.map { " (\($0.weightsNote))" } ?? ""))
        }
        guard let path = asset.find() else {
            throw ValidationError("\(backbone) weights are not installed. Fix: \(asset.installCommand), or pass --weights FILE")
        }
        return path
    }

    /// linear, a head file, or a fit run id whose record names its exported head.
    func resolveHead() throws -> FineTuneOptions.HeadStart {
        if head == "linear" { return .linear }
        if FileManager.default.fileExists(atPath: head) { return .file(head) }
        guard let run = try? RunRegistry.beside(cache: cache).find(head) else {
            throw ValidationError("--head \(head): neither `linear`, a file, nor a run beside \(cache). "
                                  + "Fix: pass --head linear, a file from `thaw fit --export`, or a run id from `thaw runs`")
        }
        guard case .string(let path)? = run.config["export"] else {
            throw ValidationError("--head \(head): that run exported no head. Fix: re-run `thaw fit` with --export FILE")
        }
        return .file(path)
    }
}

// MARK: - BERT caches (layer.K hidden states)

extension FinetuneCommand {
    func runBert(_ o: FineTuneOptions, cache reader: CacheReader, plan: FineTunePlan) throws {
        guard let data else {
            throw ValidationError("\(cache) holds BERT hidden states without a mask: pass --data with the source the cache was "
                                  + "extracted from (e.g. --data bbc-news) so each sample's token count can be recomputed")
        }
        guard case .text(let source) = try DataSpec.resolve(data) else {
            throw ValidationError("--data \(data): not a text source; pass the text data the cache was extracted from")
        }
        // The tokenizer's length is the cache's (`thaw extract --max-tokens`, else the model's maximum: 256 for MiniLM, 384 for
        // all-mpnet-base-v2), recorded in its preprocessing; the cached tap's T equals it (caches before the record: T).
        let cachedTap = (plan.cachedTap ?? plan.from).description
        let tapLength = reader.manifest.taps.first { $0.name == cachedTap }?.shape.first
        let recorded = ((try? JSONSerialization.jsonObject(with: Data(reader.manifest.preprocessing.utf8))) as? [String: Any])?["maxLength"]
        guard let length = (recorded as? String).flatMap(Int.init) ?? tapLength, tapLength == nil || tapLength == length else {
            throw ValidationError("\(cache): its preprocessing records \(String(describing: recorded)) tokens but tap \(cachedTap) holds "
                                  + "\(tapLength ?? 0) positions. Fix: re-extract the cache")
        }
        let tokenizer = try BertTokenizer(modelDirectory: URL(fileURLWithPath: o.weights).deletingLastPathComponent(), maxLength: length)
        let byID = Dictionary(source.samples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let quiet = json
        let printer = FineTuneProgressPrinter(quiet: quiet, checkpoint: checkpoint)
        let result = try BertFineTuneRun.run(o, cache: reader, plan: plan, normalize: l2, data: data, commandLine: CommandLine.arguments, tokenCount: { id in
            guard let sample = byID[id] else {
                throw ValidationError("--data \(data) has no sample \(id) (cached in \(cache)); pass the data the cache was extracted from")
            }
            return tokenizer.encode(try source.loadText(sample)).count
        }, onLoaded: { printer.loaded($0) }) { printer.handle($0) }
        let (record, url) = try RunName.save(result.record, name: name, beside: cache)
        if json { return try printJSON(record) }
        printSummary(validation: result.validation, test: result.test, outcome: result.outcome,
                     speed: "texts/s (train)", record: record, url: url)
    }
}

extension FinetuneCommand {
    /// The closing lines of every fine-tuning path (cached maps, raw images, BERT); `speed` names the rows (e.g. "maps/s (train)").
    func printSummary(validation v: ClassificationMetrics, test: ClassificationMetrics?, outcome: FineTuneOutcome,
                      speed: String, record: RunRecord, url: URL) {
        if let trained = Self.trainedLine(record) { print("trained     " + trained) }
        print(String(format: "validation  top-1 %.2f%%  loss %.4f", 100 * v.top1, v.loss))
        if let t = test { print("test        " + SummaryLine.test(t)) }
        if report { MetricsText.printReport(record) }
        if misclassified > 0 { MetricsText.printMisclassified(record) }
        if outcome.stoppedEarly { print("stopped early; best epoch \(outcome.bestEpoch + 1)") }
        print(String(format: "speed       %.1f ", outcome.rowsPerSecond) + speed)
        if let phases = Self.phaseLine(record) { print("seconds     " + phases) }
        printExport(record)
        print("run         \(record.id) → \(url.path)")
    }
}

extension FinetuneCommand {
    /// "load 4.5, train 160.2, validation 4.7, test 52.7, export 0.6" from the record's `phase_seconds` (where the
    /// path records them; phases in the order they run).
    static func phaseLine(_ record: RunRecord) -> String? {
        guard case .object(let phases)? = record.metrics["phase_seconds"] else { return nil }
        let order = ["load", "train", "validation", "final_validation", "test", "export", "record"]
        let parts = order.compactMap { name in phases[name]?.number.map { String(format: "%@ %.1f", name.replacingOccurrences(of: "_", with: " "), $0) } }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// "4 blocks (_blocks.12 … _blocks.15) + head: 2,458,890 parameters" (the head: what trains above the blocks,
    /// e.g. EfficientNet-Lite's head conv and the classifier), from the run record's config.
    static func trainedLine(_ record: RunRecord) -> String? {
        guard case .array(let items)? = record.config["trained_blocks"],
              let parameters = record.config["trainable_parameters"]?.number else { return nil }
        let names = items.compactMap(\.string)
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US")
        let count = formatter.string(from: NSNumber(value: Int(parameters))) ?? String(Int(parameters))
        let blocks: String
        switch names.count {
        case 0: blocks = "the head only"
        case 1: blocks = "1 block (\(names[0])) + head"
        default: blocks = "\(names.count) blocks (\(names.first!) … \(names.last!)) + head"
        }
        return "\(blocks): \(count) parameters"
    }
}

/// Prints fine-tuning progress: a bar per epoch (and for BN recalibration), one line per finished epoch.
final class FineTuneProgressPrinter {
    private let quiet: Bool
    private let checkpoint: String?
    private var bar: ProgressBar?
    /// When the work of the next bar began: a bar is made at its first finished batch.
    private var since = Date()

    init(quiet: Bool, checkpoint: String?) {
        self.quiet = quiet
        self.checkpoint = checkpoint
    }

    /// The data is loaded: prints its notes; training starts now.
    func loaded(_ notes: [String]) {
        if !quiet { for n in notes { print("note: \(n)") } }
        since = Date()
    }

    func handle(_ p: FineTuneProgress) {
        guard !quiet else { return }
        switch p {
        case let .recalibrating(done, total):
            step("recalibrating BN", done: done, total: total)
        case let .batch(epoch, done, total, loss):
            step("epoch \(epoch + 1)", done: done, total: total, extra: String(format: "loss %.4f", loss))
        case .epoch(let e):
            since = Date()   // after validation: the next epoch's batches start now
            print(SummaryLine.epoch(e))
        case .resumed(let n):
            print("resumed after epoch \(n) from \(checkpoint ?? "")")
        }
    }

    private func step(_ label: String, done: Int, total: Int, extra: String = "") {
        if bar == nil { bar = ProgressBar(label, total: total, startedAt: since) }
        bar?.extra = extra
        bar?.advance()
        if done == total { bar?.finish(); bar = nil; since = Date() }
    }
}
