import Foundation
import ThawBackbones
import ThawBLAS
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore
import ThawWeights

/// What `thaw finetune` produced.
public struct FineTuneResult {
    public var record: RunRecord
    public var outcome: FineTuneOutcome
    public var validation: ClassificationMetrics
    public var test: ClassificationMetrics?
    public var notes: [String]
    public var model: FineTuneModel
}

/// `thaw finetune`: loads the boundary tap of an EfficientNet-Lite or ResNet cache, trains the top
/// blocks (and Lite's head stage) and the classifier, evaluates on test and builds the run record (kind `.finetune`).
public enum FineTuneRun {
    /// A setting as the user wrote it: strings bare, numbers short, null as "none".
    static func text(_ v: JSONValue?) -> String {
        switch v {
        case .string(let s)?: return s
        case .number(let d)?: return String(format: "%g", d)
        case .bool(let b)?: return "\(b)"
        default: return "none"
        }
    }

    /// Opens `o.cache` and asks the registry for the plan (`FineTunePlan`); throws unless it trains from cached maps.
    /// `onLoaded` receives data notes (carved validation, missing test split) before training.
    public static func run(_ o: FineTuneOptions, commandLine: [String] = [], onLoaded: ([String]) -> Void = { _ in },
                           progress: ((FineTuneProgress) -> Void)? = nil) throws -> FineTuneResult {
        let reader = try CacheReader(path: o.cache)
        return try run(o, cache: reader, plan: try FineTunePlan(cache: reader, from: o.from), commandLine: commandLine,
                       onLoaded: onLoaded, progress: progress)
    }

    /// Trains `plan` (cached maps of EfficientNet-Lite or ResNet) on the open cache `reader`.
    public static func run(_ o: FineTuneOptions, cache reader: CacheReader, plan: FineTunePlan, commandLine: [String] = [],
                           onLoaded: ([String]) -> Void = { _ in }, progress: ((FineTuneProgress) -> Void)? = nil) throws -> FineTuneResult {
        let started = Date()
        let manifest = reader.manifest
        let cached = manifest.taps.map { "\($0.name) (\($0.shape))" }.joined(separator: ", ")
        let resNetDepth: Int?, variant: Int, k: Int
        switch (plan.source, plan.trained) {
        case (.cachedMaps, .efficientNetLite(let v, let start)): (resNetDepth, variant, k) = (nil, v, start.firstTrainedBlock - 1)
        case (.cachedMaps, .resNet(let depth, let stage)): (resNetDepth, variant, k) = (depth, 0, stage)
        case (_, .bert):
            throw FineTuneError("\(o.cache): a \(manifest.backbone) cache; BERT layers train through BertFineTuneRun.run "
                                + "(`thaw finetune --cache \(o.cache) --from layer.K --data SOURCE`)")
        default:
            throw FineTuneError("\(o.cache): tap \(plan.from) is not cached; cached taps: \(cached). Fix: pass --from with a cached tap, "
                                + "or re-extract with --tap \(plan.from) (`thaw finetune` trains from the raw images below the cached maps)")
        }
        let family: ModelFamily = resNetDepth == nil ? .efficientNetLite : .resNet
        let bnMomentum = o.batchNormMomentum ?? family.batchNormMomentum!
        guard FileManager.default.fileExists(atPath: o.weights) else {
            throw FineTuneError("\(o.weights): no such file. Fix: pass --weights with the \(manifest.backbone) checkpoint the cache "
                                + "was extracted with")
        }
        // Maps from other weights would train silently wrong blocks on top of them.
        try o.checkWeights(match: manifest)
        let data = try TapData.load(reader: reader, tap: o.from,
                                    options: TapLoadOptions(memoryBudget: o.memoryBudget, seed: o.seed))
        var notes = data.notes
        if data.views > 1 { notes.append("the cache holds \(data.views) views per sample: every epoch trains on all of them") }
        onLoaded(notes)
        guard !data.isStreamed else {
            throw FineTuneError("\(o.cache): the \(o.from) maps need \(manifest.expectedRecordCount * data.rowWidth * 4 / 1_000_000) MB, "
                                + "over the memory budget (\(o.memoryBudget / 1_000_000) MB); fine-tuning reads them from memory. "
                                + "Fix: extract fewer samples (--limit) or a smaller --image-size, or run on a machine with more RAM")
        }
        let train = try data.trainingSet()
        let classes = data.classes
        // torchvision names its classifier `fc`, lukemelas `_fc`: checkpoints keep each family's keys.
        let fcKey = family.classifierKey
        let classifier: (Int) throws -> TrainableClassifier = { width in
            switch o.head {
            case .linear: return TrainableClassifier(inFeatures: width, classes: classes, seed: o.seed, keyPrefix: fcKey)
            case .file(let path): return try TrainableClassifier.load(headFile: path, inFeatures: width, classes: classes, keyPrefix: fcKey)
            }
        }
        let model = try resNetDepth.map { try FineTuneModel.loadResNet(depth: $0, boundary: k, weights: o.weights, classifier: classifier) }
            ?? FineTuneModel.load(variant: variant, boundary: k, weights: o.weights, classifier: classifier)
        let inC = model.inputChannels
        guard data.rowShape.count == 3, data.rowShape[2] == inC else {
            let first = model.trainedBlockNames.first ?? "_conv_head"
            throw FineTuneError("\(o.cache): tap \(o.from) has shape \(data.tap.shape) \(data.tap.layout); \(first) takes "
                                + "HWC maps with \(inC) channels. Fix: extract the tap as an HWC map with the same backbone")
        }
        let headName: String
        switch o.head { case .linear: headName = "linear"; case .file(let p): headName = "warm:" + p }
        var config: [String: JSONValue] = [
            "tap": .string(o.from), "from": .string(o.from), "head": .string(headName), "pooling": .string("avg"),
            "optimizer": .string(o.optimizerName), "lr": .number(Double(o.lr)), "layer_decay": .number(Double(o.layerDecay)),
            "weight_decay": .number(Double(o.weightDecay)), "epochs": .number(Double(o.epochs)), "batch": .number(Double(o.batch)),
            "chunk": .number(Double(o.chunk)), "bn": .string(o.batchNorm.rawValue),
            "bn_momentum": .number(Double(bnMomentum)), "clip": o.clip.map { .number(Double($0)) } ?? .null,
            "early_stop": o.earlyStop.map { .number(Double($0)) } ?? .null, "warmup_fraction": .number(o.warmupFraction),
            "schedule": .string("cosine"), "seed": .number(Double(o.seed)), "weights": .string(o.weights),
            "backbone": .string(manifest.backbone), "trained_blocks": .array(model.trainedBlockNames.map { .string($0) }),
            "trainable_parameters": .number(Double(model.tensors.filter(\.trainable).reduce(0) { $0 + $1.count })),
            "views": .number(Double(data.views)), "carved_validation": .bool(data.carvedValidation),
            "train_rows": .number(Double(train.count)), "val_rows": .number(Double(data.validation.count)),
            "test_rows": .number(Double(data.test?.count ?? 0)),
        ]
        if let dir = o.checkpointDir { config["checkpoint"] = .string(dir); config["resume"] = .bool(o.resume) }
        // What must match for --resume: every setting that changes the numbers.
        let identity = ["from", "head", "optimizer", "lr", "layer_decay", "weight_decay", "epochs", "batch", "chunk", "bn",
                        "bn_momentum", "clip", "early_stop", "warmup_fraction", "weights"]
            .map { "\($0)=\(Self.text(config[$0]))" }.joined(separator: "\n")
        let settings = FineTuneSettings(epochs: o.epochs,
                                        step: FineTuneStep(optimizer: o.optimizer, lr: o.lr, layerDecay: o.layerDecay,
                                                           weightDecay: o.weightDecay, clipNorm: o.clip),
                                        batchNorm: o.batchNorm, batchNormMomentum: bnMomentum, batch: o.batch,
                                        chunk: o.chunk, earlyStop: o.earlyStop, warmupFraction: o.warmupFraction, seed: o.seed,
                                        checkpointDir: o.checkpointDir, resume: o.resume, config: identity)
        let runID = RunRecord.newID(kind: .finetune, date: started)
        let trainer = FineTuneTrainer(model: model, train: train, validation: data.validation, settings: settings)
        let outcome = try trainer.run(progress: progress)
        let validation = trainer.evaluate(data.validation)
        let test = data.test.map { trainer.evaluate($0) }
        if let path = o.export {
            try FineTuneExport.writeImageNetwork(model, options: o, manifest: manifest, classNames: data.classNames, run: runID,
                                                 validationTop1: validation.top1, testTop1: test?.top1, to: path)
            config["export"] = .string(path)
        }
        config["best_epoch"] = .number(Double(outcome.bestEpoch))
        config["stopped_early"] = .bool(outcome.stoppedEarly)
        var metrics = MetricsJSON.final(test: test, validation: validation, classNames: data.classNames, trainSeconds: outcome.trainSeconds)
        if o.misclassified > 0, let t = data.test {
            let mistakes = ConfidentMistakes.of(logits: trainer.logits(t), classes: classes, labels: t.labels, indices: data.testIndices,
                                                limit: o.misclassified)
            metrics["misclassified"] = MisclassifiedJSON.json(mistakes, ids: try reader.sampleIDs(mistakes.map(\.index)),
                                                              classNames: data.classNames)
        }
        var record = RunRecord(id: runID, kind: .finetune, commandLine: commandLine,
                               startedAt: started, cache: o.cache, cacheFingerprint: manifest.fingerprint, config: config,
                               metrics: metrics,
                               epochs: try JSONValue.objects(encoding: outcome.epochs), thawVersion: thawVersion)
        record.wallSeconds = Date().timeIntervalSince(started)
        record.samplesPerSecond = outcome.rowsPerSecond > 0 ? outcome.rowsPerSecond : nil
        record.peakRSSBytes = PeakMemory.residentBytes()
        record.blasKernel = try? BLAS.load().corename
        return FineTuneResult(record: record, outcome: outcome, validation: validation, test: test, notes: notes, model: model)
    }
}
