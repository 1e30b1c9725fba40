import Foundation
import ThawBackbones
import ThawBLAS
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore

/// What `thaw finetune` produced for a vision-transformer cache.
public struct ViTFineTuneResult {
    public var record: RunRecord
    public var outcome: FineTuneOutcome
    public var validation: ClassificationMetrics
    public var test: ClassificationMetrics?
    public var notes: [String]
    public var model: ViTFineTuneModel
}

/// `thaw finetune` of a ViT cache (DINOv2, CLIP, DeiT): loads cached `blocks.K` / `embeddings` tokens [T, C]
/// (running the frozen blocks between a shallower cached tap and `--from` once per sample, or on each chunk
/// when streamed), trains the blocks above `--from`, the final norm, the pooling (CLIP's projection) and a new
/// classifier, evaluates on test and builds the run record (kind `.finetune`). `--export` writes the whole
/// network with the classifier as its `fc` cut: a model bundle `thaw predict` applies to images.
public enum ViTFineTuneRun {
    /// Trains `plan` (`.vit`) on the open cache `reader`. `checkpoint`: `o.weights` already read (nil: read here, once).
    public static func run(_ o: FineTuneOptions, cache reader: CacheReader, plan: FineTunePlan, checkpoint: ViTCheckpoint? = nil,
                           commandLine: [String] = [], onLoaded: ([String]) -> Void = { _ in },
                           progress: ((FineTuneProgress) -> Void)? = nil) throws -> ViTFineTuneResult {
        let started = Date()
        let manifest = reader.manifest
        guard case .vit(let first) = plan.trained else {
            throw FineTuneError("\(o.cache): a \(manifest.backbone) cache; ViTFineTuneRun trains vision-transformer caches")
        }
        try o.checkWeights(match: manifest)
        let checkpoint = try checkpoint ?? ViTCheckpoint.load(backbone: manifest.backbone, weights: o.weights)
        let vit = checkpoint.vit
        let depth = vit.configuration.depth
        guard first <= depth else {
            throw FineTuneError("--from \(plan.from): past the last block of \(manifest.backbone) (blocks.0…blocks.\(depth - 1)). "
                                + "Fix: pass --from blocks.K with K < \(depth)")
        }
        var notes: [String] = []
        if o.batchNorm != .frozen || o.batchNormMomentum != nil { notes.append("--bn does not apply to vision transformers (LayerNorm only): ignored") }
        let classes = manifest.labelNames.count
        let classifier = { (width: Int) throws -> TrainableClassifier in
            switch o.head {
            case .linear: return TrainableClassifier(inFeatures: width, classes: classes, seed: o.seed, keyPrefix: ViT.classifierKey)
            case .file(let path): return try TrainableClassifier.load(headFile: path, inFeatures: width, classes: classes, keyPrefix: ViT.classifierKey)
            }
        }
        // The top from the file the frozen ViT was read from (taken once, so it is unmapped before training), else read again.
        let model = try checkpoint.takeFile().map { try ViTFineTuneModel.load(vit, file: $0, firstBlock: first, classifier: classifier) }
            ?? ViTFineTuneModel.load(vit, weights: o.weights, firstBlock: first, classifier: classifier)
        if first == depth { notes.append("--from \(plan.from) is the last block: only the final norm, pooling and classifier train") }
        let frozen = plan.runsFrozenBlocks ? FrozenBlocks(backbone: vit, cachedTap: plan.cachedTap!.description, from: plan.from.description) : nil
        let readTap = (plan.cachedTap ?? plan.from).description
        guard let spec = manifest.taps.first(where: { $0.name == readTap }), spec.shape.count == 2, spec.layout == "TC",
              spec.shape[1] == model.channels, spec.shape[0] > vit.configuration.prefixTokens else {
            let spec = manifest.taps.first { $0.name == readTap }
            throw FineTuneError("\(o.cache): tap \(readTap) has shape \(spec?.shape ?? []) \(spec?.layout ?? "?"); the blocks take tokens "
                                + "[T, \(model.channels)] (TC). Fix: extract --tap \(plan.from) with the same backbone and weights")
        }
        let tokens = spec.shape[0]
        let loaded = try ViTTokenData.load(reader: reader, tap: readTap, options: o,
                                           reservedBytes: model.trainingStateBytes + o.chunk * model.activationBytesPerRow(tokens: tokens)
                                               + (frozen == nil ? 0 : o.chunk * model.activationBytesPerRow(tokens: tokens) / 2),
                                           frozen: frozen, plan: plan)
        notes += loaded.notes
        onLoaded(notes)
        let headName: String
        switch o.head { case .linear: headName = "linear"; case .file(let p): headName = "warm:" + p }
        var config: [String: JSONValue] = [
            "tap": .string(o.from), "from": .string(o.from), "head": .string(headName), "pooling": .string(vit.configuration.pooling.rawValue),
            "optimizer": .string(o.optimizerName), "lr": .number(Double(o.lr)), "layer_decay": .number(Double(o.layerDecay)),
            "weight_decay": .number(Double(o.weightDecay)), "epochs": .number(Double(o.epochs)), "batch": .number(Double(o.batch)),
            "chunk": .number(Double(o.chunk)), "clip": o.clip.map { .number(Double($0)) } ?? .null,
            "early_stop": o.earlyStop.map { .number(Double($0)) } ?? .null, "warmup_fraction": .number(o.warmupFraction),
            "schedule": .string("cosine"), "seed": .number(Double(o.seed)), "weights": .string(o.weights),
            "backbone": .string(manifest.backbone), "trained_blocks": .array(model.trainedBlockNames.map { .string($0) }),
            "trainable_parameters": .number(Double(model.tensors.reduce(0) { $0 + $1.count })),
            "tokens": .number(Double(tokens)), "activation": .string(vit.configuration.activation.rawValue),
            "layer_scale": .bool(model.blocks.contains { $0.layerScale1 != nil }), "registers": .number(Double(vit.configuration.registers)),
            "train_rows": .number(Double(loaded.trainRows)), "val_rows": .number(Double(loaded.data.validationIndices.count)),
            "test_rows": .number(Double(loaded.data.testIndices.count)),
        ]
        if frozen != nil { config["cached_tap"] = .string(readTap); config["frozen_blocks"] = .string(plan.frozenBlocksText ?? "") }
        loaded.describe(into: &config, options: o)
        if let dir = o.checkpointDir { config["checkpoint"] = .string(dir); config["resume"] = .bool(o.resume) }
        // What must match for --resume: every setting that changes the numbers.
        let identity = (["from", "head", "optimizer", "lr", "layer_decay", "weight_decay", "epochs", "batch", "chunk", "clip",
                         "early_stop", "warmup_fraction", "weights"] + (loaded.maps != nil ? ["order", "block_size"] : []))
            .map { "\($0)=\(FineTuneRun.text(config[$0]))" }.joined(separator: "\n")
        let settings = FineTuneSettings(epochs: o.epochs,
                                        step: FineTuneStep(optimizer: o.optimizer, lr: o.lr, layerDecay: o.layerDecay,
                                                           weightDecay: o.weightDecay, clipNorm: o.clip),
                                        batch: o.batch, chunk: o.chunk, earlyStop: o.earlyStop, warmupFraction: o.warmupFraction,
                                        seed: o.seed, checkpointDir: o.checkpointDir, resume: o.resume, config: identity)
        let runID = RunRecord.newID(kind: .finetune, date: started)
        let trainer = loaded.maps.map { ViTFineTuneTrainer(model: model, maps: $0, settings: settings) }
            ?? ViTFineTuneTrainer(model: model, train: loaded.memory!.train, validation: loaded.memory!.validation, settings: settings)
        let outcome = try trainer.run(progress: progress)
        let validation = try trainer.evaluateValidation()
        let test = try loaded.memory.map { m in m.test.map { trainer.evaluate($0) } } ?? (loaded.data.hasTest ? trainer.evaluate(.test) : nil)
        if let path = o.export {
            try ViTFineTuneExport.write(model, options: o, manifest: manifest, classNames: loaded.data.classNames, run: runID,
                                        validationTop1: validation.top1, testTop1: test?.top1, to: path)
            config["export"] = .string(path)
        }
        config["best_epoch"] = .number(Double(outcome.bestEpoch))
        config["stopped_early"] = .bool(outcome.stoppedEarly)
        var metrics = MetricsJSON.final(test: test, validation: validation, classNames: loaded.data.classNames, trainSeconds: outcome.trainSeconds)
        if o.misclassified > 0, let t = loaded.memory?.test {
            let mistakes = ConfidentMistakes.of(logits: trainer.logits(t), classes: classes, labels: t.labels, indices: loaded.data.testIndices,
                                                limit: o.misclassified)
            metrics["misclassified"] = MisclassifiedJSON.json(mistakes, ids: try reader.sampleIDs(mistakes.map(\.index)),
                                                              classNames: loaded.data.classNames)
        }
        var record = RunRecord(id: runID, kind: .finetune, commandLine: commandLine, startedAt: started, cache: o.cache,
                               cacheFingerprint: manifest.fingerprint, config: config, metrics: metrics,
                               epochs: try JSONValue.objects(encoding: outcome.epochs), thawVersion: thawVersion)
        record.wallSeconds = Date().timeIntervalSince(started)
        record.samplesPerSecond = outcome.rowsPerSecond > 0 ? outcome.rowsPerSecond : nil
        record.peakRSSBytes = PeakMemory.residentBytes()
        record.blasKernel = try? BLAS.load().corename
        return ViTFineTuneResult(record: record, outcome: outcome, validation: validation, test: test, notes: notes, model: model)
    }
}
