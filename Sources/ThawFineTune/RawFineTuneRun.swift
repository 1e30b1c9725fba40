import Foundation
import ThawBackbones
import ThawBLAS
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore
import ThawWeights

/// `thaw finetune` below the cached boundary, or with `--raw`: EfficientNet-Lite from `--from input` (the whole
/// network, stem included), `stem` or `blocks.K`; MobileNetV2 from `features.K` (the stem and features 1…K run
/// frozen on every chunk). Trains from the raw images the cache was extracted from (`RawFineTuneData`) with
/// on-the-fly augmentation; the run record is kind `.finetune` with `"inputs": "raw"` in its config.
public enum RawFineTuneRun {
    /// The one-line note `thaw finetune` prints before training.
    public static func note(_ o: FineTuneOptions, data: RawFineTuneData) -> String {
        "--from \(o.from) (no cached map at or below it, or --raw): training from raw images re-read from \(data.data) with the cache's "
            + "preset (\(data.preset.name) \(data.preset.resize)→\(data.preset.crop)) and random-resized-crop + flip for training"
    }

    /// Opens `o.cache` and asks the registry for the plan (`FineTunePlan`); throws unless it trains from raw images.
    public static func run(_ o: FineTuneOptions, commandLine: [String] = [], onLoaded: ([String]) -> Void = { _ in },
                           progress: ((FineTuneProgress) -> Void)? = nil) throws -> FineTuneResult {
        let reader = try CacheReader(path: o.cache)
        return try run(o, cache: reader, plan: try FineTunePlan(cache: reader, from: o.from), commandLine: commandLine,
                       onLoaded: onLoaded, progress: progress)
    }

    /// The families that train from raw images, for messages.
    public static let families = "EfficientNet-Lite (--from input, stem or blocks.K) and MobileNetV2 (--from features.K)"

    /// Trains `plan` (EfficientNet-Lite or MobileNetV2 from raw images) on the open cache `reader`.
    public static func run(_ o: FineTuneOptions, cache reader: CacheReader, plan: FineTunePlan, commandLine: [String] = [],
                           onLoaded: ([String]) -> Void = { _ in }, progress: ((FineTuneProgress) -> Void)? = nil) throws -> FineTuneResult {
        let started = Date()
        let manifest = reader.manifest
        // The trained top and the frozen stages below it, per family (the classifier under the family's key).
        let family: ModelFamily, frozenTap: String?
        let load: (_ classifier: (Int) throws -> TrainableClassifier) throws -> FineTuneModel
        let loadFrozen: () throws -> any Backbone
        switch (plan.source, plan.trained) {
        case (.rawImages, .efficientNetLite(let variant, let start)):
            family = .efficientNetLite; frozenTap = start.frozenTap
            load = { try FineTuneModel.load(variant: variant, start: start, weights: o.weights, classifier: $0) }
            loadFrozen = { try EfficientNetLite(variant: variant, weightsPath: o.weights) }
        case (.rawImages, .mobileNetV2(let k)):
            family = .mobileNetV2; frozenTap = TapName.features(k).description
            load = { try FineTuneModel.loadMobileNetV2(boundary: k, weights: o.weights, classifier: $0) }
            loadFrozen = { try MobileNetV2(weightsPath: o.weights) }
        default:
            throw FineTuneError("--from \(o.from): fine-tuning from raw images is for \(families); this plan trains "
                                + "\(plan.trained) from \(plan.source.rawValue)")
        }
        let bnMomentum = o.batchNormMomentum ?? family.batchNormMomentum!
        try o.checkWeights(match: manifest)
        let data = try RawFineTuneData.load(reader: reader, data: o.data, seed: o.seed)
        onLoaded([note(o, data: data)] + data.notes)
        let classes = data.classes
        let model = try load { width in
            switch o.head {
            case .linear: return TrainableClassifier(inFeatures: width, classes: classes, seed: o.seed, keyPrefix: family.classifierKey)
            case .file(let path):
                return try TrainableClassifier.load(headFile: path, inFeatures: width, classes: classes, keyPrefix: family.classifierKey)
            }
        }
        let frozen: (any Backbone)? = frozenTap == nil ? nil : try loadFrozen()
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
        let trainer = RawFineTuneTrainer(model: model, frozen: frozen, frozenTap: frozenTap, data: data, settings: settings)
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
