import Foundation
import ThawBackbones
import ThawBLAS
import ThawCore
import ThawHeads
import ThawKernels
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

/// `thaw finetune`: loads the boundary tap of an EfficientNet-Lite, MobileNetV2, ResNet or ConvNeXt cache, trains the top
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
        if let missing = o.precision.missingCPUFeature {
            throw FineTuneError("--precision \(o.precision.rawValue) needs the CPU feature \(missing), which this CPU lacks: use --precision f32")
        }
        let savedPrecision = TrainingKernels.precision
        TrainingKernels.precision = o.precision
        defer { TrainingKernels.precision = savedPrecision }
        let manifest = reader.manifest
        let cached = manifest.taps.map { "\($0.name) (\($0.shape))" }.joined(separator: ", ")
        // The trained top of each family, loaded once its classifier can be made: `classifier(width)` under the
        // family's key, or `keyed(width, key)` (ConvNeXt names its classifier after the file's key layout).
        let family: ModelFamily
        let load: (_ classifier: (Int) throws -> TrainableClassifier, _ keyed: (Int, String) throws -> TrainableClassifier) throws -> FineTuneModel
        switch (plan.source, plan.trained) {
        case (.cachedMaps, .efficientNetLite(let v, let start)):
            family = .efficientNetLite
            load = { c, _ in try FineTuneModel.load(variant: v, boundary: start.firstTrainedBlock - 1, weights: o.weights, classifier: c) }
        case (.cachedMaps, .resNet(let depth, let stage)):
            family = .resNet
            load = { c, _ in try FineTuneModel.loadResNet(depth: depth, boundary: stage, weights: o.weights, classifier: c) }
        case (.cachedMaps, .mobileNetV2(let k)):
            family = .mobileNetV2
            load = { c, _ in try FineTuneModel.loadMobileNetV2(boundary: k, weights: o.weights, classifier: c) }
        case (.cachedMaps, .convNeXt(let first)):
            family = .convNeXt
            load = { _, keyed in try FineTuneModel.loadConvNeXt(firstStage: first, weights: o.weights, classifier: keyed) }
        case (_, .bert):
            throw FineTuneError("\(o.cache): a \(manifest.backbone) cache; BERT layers train through BertFineTuneRun.run "
                                + "(`thaw finetune --cache \(o.cache) --from layer.K --data SOURCE`)")
        default:
            throw FineTuneError("\(o.cache): tap \(plan.from) is not cached; cached taps: \(cached). Fix: pass --from with a cached tap, "
                                + "or re-extract with --tap \(plan.from) (`thaw finetune` trains from the raw images below the cached maps)")
        }
        let bnMomentum = o.batchNormMomentum ?? family.batchNormMomentum ?? 0   // ConvNeXt has no BatchNorm
        guard FileManager.default.fileExists(atPath: o.weights) else {
            throw FineTuneError("\(o.weights): no such file. Fix: pass --weights with the \(manifest.backbone) checkpoint the cache "
                                + "was extracted with")
        }
        // Maps from other weights would train silently wrong blocks on top of them.
        try o.checkWeights(match: manifest)
        let classes = manifest.labelNames.count
        // torchvision names its classifier `fc` (MobileNetV2 `classifier.1`), lukemelas `_fc`: checkpoints keep each family's keys.
        let fcKey = family.classifierKey
        let classifierWithKey: (Int, String) throws -> TrainableClassifier = { width, key in
            switch o.head {
            case .linear: return TrainableClassifier(inFeatures: width, classes: classes, seed: o.seed, keyPrefix: key)
            case .file(let path): return try TrainableClassifier.load(headFile: path, inFeatures: width, classes: classes, keyPrefix: key)
            }
        }
        let model = try load({ try classifierWithKey($0, fcKey) }, classifierWithKey)
        // Blocks between the cached tap and --from run frozen on the cached maps (FrozenBlocks).
        let frozen = try FrozenBlocks.load(plan: plan, backbone: manifest.backbone, weights: o.weights)
        let readTap = (plan.cachedTap ?? plan.from).description
        let inC = model.inputChannels
        guard let cachedSpec = manifest.taps.first(where: { $0.name == readTap }), cachedSpec.shape.count == 3, cachedSpec.layout == "HWC",
              let mapShape = try? frozen?.outputShape(rowShape: cachedSpec.shape) ?? cachedSpec.shape, mapShape[2] == inC else {
            let first = model.trainedBlockNames.first ?? "_conv_head"
            let spec = manifest.taps.first { $0.name == readTap }
            throw FineTuneError("\(o.cache): tap \(readTap) has shape \(spec?.shape ?? []) \(spec?.layout ?? "?"); \(first) takes "
                                + "HWC maps with \(inC) channels\(frozen == nil ? "" : " after \(plan.frozenBlocksText ?? "")"). "
                                + "Fix: extract the tap as an HWC map with the same backbone")
        }
        // Kept beside the maps: the trained part's state, one gathered batch, a chunk's activations, the frozen weights.
        let rowBytes = cachedSpec.shape.reduce(1, *) * 4
        let reserved = model.trainingStateBytes + o.batch * rowBytes
            + o.chunk * model.activationBytesPerRow(height: mapShape[0], width: mapShape[1])
            + (frozen == nil ? 0 : model.trainingStateBytes / 4 + o.chunk * rowBytes * 8)
        let budget = try FineTuneBudget.check(o, tap: readTap, rowBytes: rowBytes, reserved: reserved, manifest: manifest)
        let data = try TapData.load(reader: reader, tap: readTap,
                                    options: TapLoadOptions(memoryBudget: budget, seed: o.seed, reservedBytes: reserved))
        // Blocks of maps (in memory or streamed) with a budget or when they do not fit; else one permutation of all rows.
        let byBlocks = o.memoryBudget != nil || data.isStreamed
        var notes = data.fineTuneNotes(plan: plan, byBlocks: byBlocks)
        let blockSize = min(o.blockSize, data.maxBlockRows)
        if byBlocks {
            notes.append(String(format: "maps read in shuffled blocks of %d samples (%@, budget %.0f MB)", blockSize,
                                data.blockSourceText(blockSize: blockSize), Double(o.memoryBudget ?? TapLoadOptions.defaultMemoryBudget) / 1_048_576))
        }
        onLoaded(notes)
        /// The in-memory sets (default order): the frozen blocks run once over every row.
        func sets() throws -> (train: FeatureSet, validation: FeatureSet, test: FeatureSet?) {
            func through(_ set: FeatureSet) throws -> FeatureSet {
                guard let frozen else { return set }
                let y = try frozen.runAll(set.features, count: set.count, rowShape: set.rowShape)
                return try FeatureSet(name: set.name, features: y.x, labels: set.labels, rowShape: y.shape)
            }
            return (try through(try data.trainingSet()), try through(data.validation), try data.test.map(through))
        }
        let memory = byBlocks ? nil : try sets()
        let maps = byBlocks ? try TapMaps(data: data, blockSize: blockSize, frozen: frozen) : nil
        let trainRows = memory?.train.count ?? data.trainIndices.count
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
            "train_rows": .number(Double(trainRows)), "val_rows": .number(Double(data.validationIndices.count)),
            "test_rows": .number(Double(data.testIndices.count)), "precision": .string(o.precision.rawValue),
        ]
        if frozen != nil { config["cached_tap"] = .string(readTap); config["frozen_blocks"] = .string(plan.frozenBlocksText ?? "") }
        if byBlocks {
            config["order"] = .string("blocks"); config["block_size"] = .number(Double(blockSize))
            config["memory_budget"] = .number(Double(o.memoryBudget ?? TapLoadOptions.defaultMemoryBudget))
            config["streamed"] = .bool(data.isStreamed)
        }
        if let dir = o.checkpointDir { config["checkpoint"] = .string(dir); config["resume"] = .bool(o.resume) }
        // What must match for --resume: every setting that changes the numbers.
        let identity = (["from", "head", "optimizer", "lr", "layer_decay", "weight_decay", "epochs", "batch", "chunk", "bn",
                         "bn_momentum", "clip", "early_stop", "warmup_fraction", "weights"] + (byBlocks ? ["order", "block_size"] : []))
            .map { "\($0)=\(Self.text(config[$0]))" }.joined(separator: "\n")
        let settings = FineTuneSettings(epochs: o.epochs,
                                        step: FineTuneStep(optimizer: o.optimizer, lr: o.lr, layerDecay: o.layerDecay,
                                                           weightDecay: o.weightDecay, clipNorm: o.clip),
                                        batchNorm: o.batchNorm, batchNormMomentum: bnMomentum, batch: o.batch,
                                        chunk: o.chunk, earlyStop: o.earlyStop, warmupFraction: o.warmupFraction, seed: o.seed,
                                        checkpointDir: o.checkpointDir, resume: o.resume, config: identity)
        let runID = RunRecord.newID(kind: .finetune, date: started)
        let trainer = maps.map { FineTuneTrainer(model: model, maps: $0, settings: settings) }
            ?? FineTuneTrainer(model: model, train: memory!.train, validation: memory!.validation, settings: settings)
        var phases = PhaseClock(since: started)
        phases.mark("load")                 // the maps read (and converted, and through the frozen blocks), the model loaded
        let outcome = try trainer.run(progress: progress)
        phases.mark("epochs")               // the steps and each epoch's validation (split below)
        let validation = try trainer.validationMetrics()
        phases.mark("final_validation")
        let test = try memory.map { m in m.test.map { trainer.evaluate($0) } } ?? (data.hasTest ? trainer.evaluate(.test) : nil)
        phases.mark("test")
        if let path = o.export {
            try FineTuneExport.writeImageNetwork(model, options: o, manifest: manifest, classNames: data.classNames, run: runID,
                                                 validationTop1: validation.top1, testTop1: test?.top1, to: path)
            config["export"] = .string(path)
        }
        phases.mark("export")
        phases.split("epochs", into: "train", seconds: outcome.trainSeconds, rest: "validation")
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
        phases.mark("record")
        record.metrics["phase_seconds"] = phases.json
        record.wallSeconds = Date().timeIntervalSince(started)
        record.samplesPerSecond = outcome.rowsPerSecond > 0 ? outcome.rowsPerSecond : nil
        record.peakRSSBytes = PeakMemory.residentBytes()
        record.blasKernel = try? BLAS.load().corename
        return FineTuneResult(record: record, outcome: outcome, validation: validation, test: test, notes: notes, model: model)
    }
}
