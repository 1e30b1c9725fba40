import Foundation
import ThawBundle
import ThawBackbones
import ThawBLAS
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore
import ThawWeights

/// What `thaw finetune` produced on a BERT cache.
public struct BertFineTuneResult {
    public var record: RunRecord
    public var outcome: FineTuneOutcome
    public var validation: ClassificationMetrics
    public var test: ClassificationMetrics?
    public var notes: [String]
    public var model: BertFineTuneModel
}

/// `thaw finetune` on a BERT or MPNet cache (e.g. all-MiniLM-L6-v2, `--from layer.4`; all-mpnet-base-v2,
/// `--from layer.8`): trains layers K+1…L−1, masked mean pooling and a linear classifier from the cached
/// hidden states of `layer.K`, evaluates on test and builds the run record (kind `.finetune`). MPNet's
/// relative position bias table stays frozen (`TrainableRelativeBias` says why).
/// BatchNorm flags do not apply. Checkpoints every epoch and `--resume` work as for EfficientNet-Lite.
public enum BertFineTuneRun {
    /// Opens `o.cache` and asks the registry for the plan (`FineTunePlan`); throws unless it trains cached hidden states.
    /// `tokenCount(sampleID)` gives each cached sample's unpadded token count (the cache keeps no mask),
    /// read from `data` (recorded in the config).
    public static func run(_ o: FineTuneOptions, normalize: Bool = false, data dataSpec: String? = nil, commandLine: [String] = [],
                           tokenCount: (String) throws -> Int, onLoaded: ([String]) -> Void = { _ in },
                           progress: ((FineTuneProgress) -> Void)? = nil) throws -> BertFineTuneResult {
        let reader = try CacheReader(path: o.cache)
        return try run(o, cache: reader, plan: try FineTunePlan(cache: reader, from: o.from), normalize: normalize, data: dataSpec,
                       commandLine: commandLine, tokenCount: tokenCount, onLoaded: onLoaded, progress: progress)
    }

    /// Trains `plan` (BERT from cached hidden states) on the open cache `reader`.
    public static func run(_ o: FineTuneOptions, cache reader: CacheReader, plan: FineTunePlan, normalize: Bool = false,
                           data dataSpec: String? = nil, commandLine: [String] = [],
                           tokenCount: (String) throws -> Int, onLoaded: ([String]) -> Void = { _ in },
                           progress: ((FineTuneProgress) -> Void)? = nil) throws -> BertFineTuneResult {
        let started = Date()
        let manifest = reader.manifest
        guard case .bert(let k) = plan.trained else {
            throw FineTuneError("\(o.cache): a \(manifest.backbone) cache; BertFineTuneRun trains BERT caches from cached layer.K hidden states")
        }
        try o.checkWeights(match: manifest)
        // The registry's configuration, or (a generic BERT) the one read from the weights.
        let known: BertConfiguration?
        switch (try? ModelCatalog.named(manifest.backbone))?.architecture {
        case .bert(let c)?, .mpnet(let c)?: known = c
        default: known = nil
        }
        let configuration = try known ?? BertBackbone.load(name: manifest.backbone, path: o.weights).encoder.configuration
        var data = try BertCacheData.load(reader: reader, tap: (plan.cachedTap ?? plan.from).description, tokenCount: tokenCount)
        var notes = data.notes
        // Layers between the cached tap and --from run frozen once over every sample (FrozenBlocks).
        if let frozen = try FrozenBlocks.load(plan: plan, backbone: manifest.backbone, weights: o.weights) {
            data.train = try data.train.through(frozen)
            data.validation = try data.validation.through(frozen)
            data.test = try data.test.through(frozen)
            notes.append((plan.frozenBlocksNote ?? "") + ", once per sample before training")
        }
        if o.batchNorm != .frozen || o.batchNormMomentum != nil { notes.append("--bn does not apply to BERT (LayerNorm only): ignored") }
        guard data.validation.count > 0 else {
            throw FineTuneError("\(o.cache): no validation or test samples to validate on. Fix: extract with splits (the default 80/10/10)")
        }
        let classes = manifest.labelNames.count
        let model = try BertFineTuneModel.load(weights: o.weights, boundary: k, configuration: configuration, normalize: normalize) { c in
            switch o.head {
            case .linear: return TrainableClassifier(inFeatures: c, classes: classes, seed: o.seed)
            case .file(let path): return try TrainableClassifier.load(headFile: path, inFeatures: c, classes: classes)
            }
        }
        if case .file(let path) = o.head, let note = warmStartNote(head: path, normalize: normalize) { notes.append(note) }
        onLoaded(notes)
        guard data.train.channels == model.channels else {
            throw FineTuneError("\(o.cache): tap \(o.from) has \(data.train.channels) channels; layer.\(k + 1) takes \(model.channels). "
                                + "Fix: extract with the same backbone as --weights")
        }
        let headName: String
        switch o.head { case .linear: headName = "linear"; case .file(let p): headName = "warm:" + p }
        var config: [String: JSONValue] = [
            "tap": .string(o.from), "from": .string(o.from), "head": .string(headName),
            "pooling": .string(normalize ? "mean-l2" : "mean"),
            "optimizer": .string(o.optimizerName), "lr": .number(Double(o.lr)), "layer_decay": .number(Double(o.layerDecay)),
            "weight_decay": .number(Double(o.weightDecay)), "epochs": .number(Double(o.epochs)), "batch": .number(Double(o.batch)),
            "chunk": .number(Double(o.chunk)), "clip": o.clip.map { .number(Double($0)) } ?? .null,
            "early_stop": o.earlyStop.map { .number(Double($0)) } ?? .null, "warmup_fraction": .number(o.warmupFraction),
            "schedule": .string("cosine"), "seed": .number(Double(o.seed)), "weights": .string(o.weights),
            "backbone": .string(manifest.backbone), "trained_blocks": .array(model.layers.map { .string(String($0.prefix.dropLast())) }),
            "trainable_parameters": .number(Double(model.tensors.reduce(0) { $0 + $1.count })),
            "mask": .string("token counts re-tokenized from --data"), "data": dataSpec.map { .string($0) } ?? .null,
            "l2": .bool(normalize), "max_tokens": .number(Double(data.train.length)),
            "relative_position_bias": model.relativeBias.map { .string($0.trains ? "trained" : "frozen") } ?? .null,
            "train_rows": .number(Double(data.train.count)), "val_rows": .number(Double(data.validation.count)),
            "test_rows": .number(Double(data.test.count)),
        ]
        if let dir = o.checkpointDir { config["checkpoint"] = .string(dir); config["resume"] = .bool(o.resume) }
        let settings = FineTuneSettings(epochs: o.epochs,
                                        step: FineTuneStep(optimizer: o.optimizer, lr: o.lr, layerDecay: o.layerDecay,
                                                           weightDecay: o.weightDecay, clipNorm: o.clip),
                                        batch: o.batch, chunk: o.chunk, earlyStop: o.earlyStop,
                                        warmupFraction: o.warmupFraction, seed: o.seed,
                                        checkpointDir: o.checkpointDir, resume: o.resume, config: identity(config))
        let runID = RunRecord.newID(kind: .finetune, date: started)
        let trainer = BertFineTuneTrainer(model: model, train: data.train, validation: data.validation, settings: settings)
        let outcome = try trainer.run(progress: progress)
        let validation = trainer.evaluate(data.validation)
        let test = data.test.count > 0 ? trainer.evaluate(data.test) : nil
        if let path = o.export {
            // Hugging Face's sequence-classification names for the classifier; BertBackbone skips them.
            var meta = FineTuneExport.metadata(backbone: manifest.backbone, from: o.from, classNames: manifest.labelNames)
            meta["pooling"] = normalize ? "mean-l2" : "mean"
            try FineTuneExport.copyCompanions(of: o.weights, besides: path, names: FineTuneExport.bertCompanions)
            // The backbone's pool tap is the L2-normalised mean: a bundle only when the classifier was trained on it (--l2).
            let classifier = model.classifier
            let bundle = normalize ? FineTuneExport.bundle(manifest, tap: "pool", width: classifier.inFeatures, head: "linear",
                                                           classes: manifest.labelNames, run: runID, validationTop1: validation.top1,
                                                           testTop1: test?.top1) : nil
            if !normalize { notes.append("the export was trained without --l2, so it is not a model bundle for `thaw predict` (the backbone's pool tap is L2-normalised); use --l2 for one") }
            try FineTuneExport.write(model, original: o.weights, stripPrefixes: configuration.flavor.keyRules.prefixes,
                                     rename: ["_fc.weight": "classifier.weight", "_fc.bias": "classifier.bias"], metadata: meta,
                                     bundle: bundle,
                                     head: bundle == nil ? [] : [.init(name: "out.weight", shape: [classifier.classes, classifier.inFeatures], values: classifier.weight.torchValue),
                                                                 .init(name: "out.bias", shape: [classifier.classes], values: classifier.bias.torchValue)],
                                     to: path)
            config["export"] = .string(path)
        }
        config["best_epoch"] = .number(Double(outcome.bestEpoch))
        config["stopped_early"] = .bool(outcome.stoppedEarly)
        var metrics = MetricsJSON.final(test: test, validation: validation, classNames: manifest.labelNames, trainSeconds: outcome.trainSeconds)
        if o.misclassified > 0 && data.test.count > 0 {
            let t = data.test
            let mistakes = ConfidentMistakes.of(logits: trainer.logits(t), classes: manifest.labelNames.count, labels: t.labels,
                                                indices: t.indices, limit: o.misclassified)
            let ids = Dictionary(zip(t.indices, t.ids), uniquingKeysWith: { a, _ in a })
            metrics["misclassified"] = MisclassifiedJSON.json(mistakes, ids: mistakes.map { ids[$0.index] ?? "?" }, classNames: manifest.labelNames)
        }
        var record = RunRecord(id: runID, kind: .finetune, commandLine: commandLine,
                               startedAt: started, cache: o.cache, cacheFingerprint: manifest.fingerprint, config: config,
                               metrics: metrics,
                               epochs: try JSONValue.objects(encoding: outcome.epochs), thawVersion: thawVersion)
        record.wallSeconds = Date().timeIntervalSince(started)
        record.samplesPerSecond = outcome.rowsPerSecond > 0 ? outcome.rowsPerSecond : nil
        record.peakRSSBytes = PeakMemory.residentBytes()
        record.blasKernel = try? BLAS.load().corename
        return BertFineTuneResult(record: record, outcome: outcome, validation: validation, test: test, notes: notes, model: model)
    }

    /// What must match for `--resume`: every setting that changes the numbers, as "key=value" lines.
    static func identity(_ config: [String: JSONValue]) -> String {
        ["from", "head", "pooling", "optimizer", "lr", "layer_decay", "weight_decay", "epochs", "batch", "chunk", "clip",
         "early_stop", "warmup_fraction", "weights", "max_tokens"]
            .map { "\($0)=\(FineTuneRun.text(config[$0]))" }.joined(separator: "\n")
    }

    /// A head fitted on the `pool` tap saw L2-normalised mean embeddings: without `--l2` the
    /// fine-tuned classifier would start on inputs of another scale.
    static func warmStartNote(head path: String, normalize: Bool) -> String? {
        let tap = (try? ModelBundle.read(path))?.description.tap.name
        if let tap, tap != "pool" {
            return "--head \(path) was fitted on tap \(tap), not pool: the classifier starts on other inputs than it was fitted on"
        }
        return normalize ? nil : "--head \(path) was fitted on the L2-normalised pool tap; pass --l2 so the classifier starts on the same inputs"
    }
}
