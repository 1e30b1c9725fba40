import Foundation
import ThawBackbones
import ThawBLAS
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore
import ThawWeights

/// `thaw finetune` below the cached boundary: `--from input` (the whole network, stem included),
/// `--from stem`, or a `blocks.K` the cache does not hold. Trains from the raw images the cache
/// was extracted from (`RawFineTuneData`) with on-the-fly augmentation; the run record is kind
/// `.finetune` with `"inputs": "raw"` in its config.
public enum RawFineTuneRun {
    /// The one-line note `thaw finetune` prints before training.
    public static func note(_ o: FineTuneOptions, data: RawFineTuneData) -> String {
        "--from \(o.from) is below the cached maps: training from raw images re-read from \(data.data) with the cache's "
            + "preset (\(data.preset.name) \(data.preset.resize)→\(data.preset.crop)) and random-resized-crop + flip for training"
    }

    /// Opens `o.cache` and asks the registry for the plan (`FineTunePlan`); throws unless it trains from raw images.
    public static func run(_ o: FineTuneOptions, commandLine: [String] = [], onLoaded: ([String]) -> Void = { _ in },
                           progress: ((FineTuneProgress) -> Void)? = nil) throws -> FineTuneResult {
        let reader = try CacheReader(path: o.cache)
        return try run(o, cache: reader, plan: try FineTunePlan(cache: reader, from: o.from), commandLine: commandLine,
                       onLoaded: onLoaded, progress: progress)
    }

    /// Trains `plan` (EfficientNet-Lite from raw images) on the open cache `reader`.
    public static func run(_ o: FineTuneOptions, cache reader: CacheReader, plan: FineTunePlan, commandLine: [String] = [],
                           onLoaded: ([String]) -> Void = { _ in }, progress: ((FineTuneProgress) -> Void)? = nil) throws -> FineTuneResult {
        let started = Date()
        let manifest = reader.manifest
        guard plan.source == .rawImages, case .efficientNetLite(let variant, let start) = plan.trained else {
            throw FineTuneError("--from \(o.from): fine-tuning from raw images is for EfficientNet-Lite caches, from input, stem or "
                                + "an uncached blocks.K; this plan trains from \(plan.source.rawValue)")
        }
        let bnMomentum = o.batchNormMomentum ?? ModelFamily.efficientNetLite.batchNormMomentum!
        try o.checkWeights(match: manifest)
        let data = try RawFineTuneData.load(reader: reader, data: o.data, seed: o.seed)
        onLoaded([note(o, data: data)] + data.notes)
        let classes = data.classes
        let model = try FineTuneModel.load(variant: variant, start: start, weights: o.weights) { width in
            switch o.head {
            case .linear: return TrainableClassifier(inFeatures: width, classes: classes, seed: o.seed)
            case .file(let path): return try TrainableClassifier.load(headFile: path, inFeatures: width, classes: classes)
            }
        }
        let frozen = start == .input ? nil : try EfficientNetLite(variant: variant, weightsPath: o.weights)
        let headName: String
        switch o.head { case .linear: headName = "linear"; case .file(let p): headName = "warm:" + p }
        var config: [String: JSONValue] = [
            "from": .string(o.from), "inputs": .string("raw"), "data": .string(data.data),
            "preset": .string("\(data.preset.name) \(data.preset.resize)/\(data.preset.crop)"),
            "augmentation": .string(RawAugmentation.description), "head": .string(headName), "pooling": .string("avg"),
            "optimizer": .string(o.optimizerName), "lr": .number(Double(o.lr)), "layer_decay": .number(Double(o.layerDecay)),
            "weight_decay": .number(Double(o.weightDecay)), "epochs": .number(Double(o.epochs)), "batch": .number(Double(o.batch)),
            "chunk": .number(Double(o.chunk)), "bn": .string(o.batchNorm.rawValue),
            "bn_momentum": .number(Double(bnMomentum)), "clip": o.clip.map { .number(Double($0)) } ?? .null,
            "early_stop": o.earlyStop.map { .number(Double($0)) } ?? .null, "warmup_fraction": .number(o.warmupFraction),
            "schedule": .string("cosine"), "seed": .number(Double(o.seed)), "weights": .string(o.weights),
            "backbone": .string(manifest.backbone),
            "trained_blocks": .array((model.stem == nil ? [] : [JSONValue.string("_conv_stem")]) + model.blocks.map { .string($0.prefix) }),
            "trainable_parameters": .number(Double(model.tensors.filter(\.trainable).reduce(0) { $0 + $1.count })),
            "carved_validation": .bool(data.carvedValidation), "train_rows": .number(Double(data.train.count)),
            "val_rows": .number(Double(data.validation.count)), "test_rows": .number(Double(data.test?.count ?? 0)),
        ]
        if let dir = o.checkpointDir { config["checkpoint"] = .string(dir); config["resume"] = .bool(o.resume) }
        let identity = ["from", "inputs", "head", "optimizer", "lr", "layer_decay", "weight_decay", "epochs", "batch", "chunk", "bn",
                        "bn_momentum", "clip", "early_stop", "warmup_fraction", "weights"]
            .map { "\($0)=\(FineTuneRun.text(config[$0]))" }.joined(separator: "\n")
        let settings = FineTuneSettings(epochs: o.epochs,
                                        step: FineTuneStep(optimizer: o.optimizer, lr: o.lr, layerDecay: o.layerDecay,
                                                           weightDecay: o.weightDecay, clipNorm: o.clip),
                                        batchNorm: o.batchNorm, batchNormMomentum: bnMomentum, batch: o.batch,
                                        chunk: o.chunk, earlyStop: o.earlyStop, warmupFraction: o.warmupFraction, seed: o.seed,
                                        checkpointDir: o.checkpointDir, resume: o.resume, config: identity)
        let trainer = RawFineTuneTrainer(model: model, frozen: frozen, start: start, data: data, settings: settings)
        let outcome = try trainer.run(progress: progress)
        let validation = try trainer.evaluate(data.validation)
        let test = try data.test.map { try trainer.evaluate($0) }
        let runID = RunRecord.newID(kind: .finetune, date: started)
        if let path = o.export {
            try FineTuneExport.writeImageNetwork(model, options: o, manifest: manifest, classNames: data.classNames, run: runID,
                                                 validationTop1: validation.top1, testTop1: test?.top1, to: path)
            config["export"] = .string(path)
        }
        config["best_epoch"] = .number(Double(outcome.bestEpoch))
        config["stopped_early"] = .bool(outcome.stoppedEarly)
        var metrics = MetricsJSON.final(test: test, validation: validation, classNames: data.classNames, trainSeconds: outcome.trainSeconds)
        if o.misclassified > 0, let t = data.test {
            let mistakes = ConfidentMistakes.of(logits: try trainer.logits(t), classes: data.classNames.count, labels: t.map(\.label),
                                                indices: t.map(\.sample.index), limit: o.misclassified)
            let ids = Dictionary(t.map { ($0.sample.index, $0.sample.id) }, uniquingKeysWith: { a, _ in a })
            metrics["misclassified"] = MisclassifiedJSON.json(mistakes, ids: mistakes.map { ids[$0.index] ?? "?" }, classNames: data.classNames)
        }
        var record = RunRecord(id: runID, kind: .finetune, commandLine: commandLine,
                               startedAt: started, cache: o.cache, cacheFingerprint: manifest.fingerprint, config: config,
                               metrics: metrics,
                               epochs: try JSONValue.objects(encoding: outcome.epochs), thawVersion: thawVersion)
        record.wallSeconds = Date().timeIntervalSince(started)
        record.samplesPerSecond = outcome.rowsPerSecond > 0 ? outcome.rowsPerSecond : nil
        record.peakRSSBytes = PeakMemory.residentBytes()
        record.blasKernel = try? BLAS.load().corename
        return FineTuneResult(record: record, outcome: outcome, validation: validation, test: test, notes: [note(o, data: data)] + data.notes,
                              model: model)
    }
}
