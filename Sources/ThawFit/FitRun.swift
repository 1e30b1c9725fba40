import Foundation
import ThawBundle
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore
import ThawTraining
import ThawWeights

/// Everything `thaw fit` asks for.
public struct FitRequest: Sendable {
    public enum Solver: String, Sendable { case adamw, sgd, lbfgs }
    public var cache: String
    public var tap: String
    public var head: HeadShape = .linear
    /// nil: the tap's natural pooling (none for vectors, avg for maps).
    public var pooling: Pooling?
    public var solver: Solver = .adamw
    /// Learning rate; unless set, `FitRequest.defaultLearningRate(for: head)` (what `thaw fit` uses too).
    public var lr: Float {
        get { chosenLR ?? FitRequest.defaultLearningRate(for: head) }
        set { chosenLR = newValue }
    }
    private var chosenLR: Float?
    public var weightDecay: Float = 1e-4
    /// L-BFGS inverse regularisation strength (scikit-learn's C).
    public var c: Double = 1
    public var epochs = 10
    public var batch = 256
    public var labelSmoothing: Float = 0
    public var balancedClassWeights = false
    /// Patience in epochs (validation loss), nil = no early stopping.
    public var earlyStop: Int?
    public var seed: UInt64 = 0
    public var flip = false
    public var load = TapLoadOptions()
    public var blockSize = 1024
    public var export: String?
    /// Record the N most confident test mistakes (`--misclassified N`; 0: none).
    public var misclassified = 0
    public var commandLine: [String] = []

    public init(cache: String, tap: String) { self.cache = cache; self.tap = tap }
}

/// What `thaw fit` produced.
public struct FitOutcome {
    public var record: RunRecord
    public var validation: ClassificationMetrics
    public var test: ClassificationMetrics?
    public var history: TrainingHistory?
    public var notes: [String]
    /// The head's tensors, named as `StackedHeads.state(head:)` names them (written with `--export`).
    public var tensors: [SafetensorsWriter.Tensor]
    /// The bundle's description (written with `--export`).
    public var bundle: BundleDescription
    /// Predicted class per test row, in sample order (nil without a test split).
    public var testPredictions: [Int32]?
}

/// `thaw fit`: one head on one tap, a run record, optionally the head as safetensors.
public enum FitRun {
    /// `onLoaded` receives the data notes (carved split, streaming) before training starts.
    public static func run(_ q: FitRequest, onLoaded: ([String]) -> Void = { _ in },
                           onEpoch: (EpochRecord) -> Void = { _ in }) throws -> FitOutcome {
        let started = Date()
        try HyperparameterCheck.positive(q.lr, flag: "--lr")
        try HyperparameterCheck.nonNegative(q.weightDecay, flag: "--weight-decay")
        try HyperparameterCheck.positive(q.c, flag: "--c")
        var load = q.load
        load.seed = q.seed
        let manifest = try CacheReader(path: q.cache).manifest
        if let t = manifest.taps.first(where: { $0.name == q.tap }) {
            // Pooled maps are at most 2·C wide (avgmax); the heads' state and batches come off the budget.
            let raw = t.elementCount, channels = t.shape.last ?? raw
            load.reservedBytes = MemoryBudget.headsBytes(shape: q.head, heads: 1, classes: manifest.labelNames.count,
                                                         inputWidth: t.shape.count > 1 ? 2 * channels : raw,
                                                         rawWidth: raw, batch: q.batch)
        }
        let data = try TapData.load(path: q.cache, tap: q.tap, options: load)
        onLoaded(data.notes)
        let pooling: Pooling? = q.pooling ?? (data.isMap ? .avg : nil)
        let classes = data.classes
        var weights: [Float]? = nil
        if q.balancedClassWeights { weights = BalancedClassWeights.weights(labels: data.trainLabels, classes: classes) }
        var config: [String: JSONValue] = [
            "tap": .string(q.tap), "pooling": .string(PoolingName.of(pooling)), "head": .string(HeadName.of(q.head)),
            "optimizer": .string(q.solver.rawValue), "seed": .number(Double(q.seed)), "views": .number(Double(data.views)),
            "flip": .bool(q.flip), "streamed": .bool(data.isStreamed), "memory_budget": .number(Double(q.load.memoryBudget)),
            "carved_validation": .bool(data.carvedValidation), "train_rows": .number(Double(data.trainIndices.count)),
            "val_rows": .number(Double(data.validationLabels.count)), "test_rows": .number(Double(data.testLabels.count)),
            "class_weights": .string(q.balancedClassWeights ? "balanced" : "none"),
        ]
        if data.carvedValidation { config["validation_fraction"] = .number(q.load.validationFraction) }
        let runID = RunRecord.newID(kind: .fit, date: started)
        var validation: ClassificationMetrics, test: ClassificationMetrics?, testPredictions: [Int32]?, mistakes: [Mistake] = []
        var history: TrainingHistory? = nil
        var tensors: [SafetensorsWriter.Tensor]
        var trainSeconds: Double, rowsSeen: Int
        if q.solver == .lbfgs {
            guard q.head.hidden.isEmpty else {
                throw FitError("--optimizer lbfgs fits a linear head (logistic regression); use --head linear or adamw/sgd for MLPs")
            }
            if case .gem? = pooling { throw FitError("--optimizer lbfgs needs a fixed pooling (avg, max, avgmax), not gem") }
            let trainSet = try FitTrainer.modelInput(try data.trainingSet(), pooling: pooling)
            let t0 = Date()
            let model = try LogisticRegression.fit(data: trainSet, classes: classes, c: q.c,
                                                   sampleWeights: weights.map { w in trainSet.labels.map { w[Int($0)] } })
            trainSeconds = Date().timeIntervalSince(t0)
            rowsSeen = trainSet.count
            validation = model.evaluate(try FitTrainer.modelInput(data.validation, pooling: pooling))
            if let testSet = try data.test.map({ try FitTrainer.modelInput($0, pooling: pooling) }) {
                test = model.evaluate(testSet)
                let z = model.logits(testSet)   // [rows, classes]
                testPredictions = Self.argmaxRows(z, classes: classes)
                mistakes = ConfidentMistakes.of(logits: z, classes: classes, labels: testSet.labels, indices: data.testIndices,
                                                limit: q.misclassified)
            }
            tensors = HeadExport.tensors(model)
            config["c"] = .number(q.c)
            config["iterations"] = .number(Double(model.iterations))
        } else {
            let optimizer: Optimizer = q.solver == .sgd ? .sgdDefault : .adamwDefault
            let options = TrainingOptions(epochs: q.epochs, batchSize: q.batch, optimizer: optimizer, labelSmoothing: q.labelSmoothing,
                                          classWeights: weights, earlyStopping: q.earlyStop.map { EarlyStopping(metric: .loss, patience: $0) },
                                          dataSeed: q.seed)
            let result = try FitTrainer.train(data: data, shape: q.head, pooling: pooling,
                                              heads: [HeadHyperparameters(learningRate: q.lr, weightDecay: q.weightDecay, seed: q.seed)],
                                              options: options, flip: q.flip, blockSize: q.blockSize, onEpoch: onEpoch)
            validation = try result.evaluate(data, on: .validation)[0]
            if data.hasTest {
                let (metrics, predictions, wrong) = try result.evaluate(data, on: .test, predictionsOf: 0, mistakes: q.misclassified)
                test = metrics[0]
                testPredictions = predictions
                mistakes = wrong
            }
            history = result.histories[0]
            tensors = HeadExport.tensors(result.model, head: 0)
            trainSeconds = result.trainSeconds
            rowsSeen = result.rowsSeen
            config["lr"] = .number(Double(q.lr)); config["weight_decay"] = .number(Double(q.weightDecay))
            config["epochs"] = .number(Double(q.epochs)); config["batch"] = .number(Double(q.batch))
            config["label_smoothing"] = .number(Double(q.labelSmoothing))
            config["early_stop"] = q.earlyStop.map { .number(Double($0)) } ?? .null
            config["block_size"] = .number(Double(result.blockSize))
            config["best_epoch"] = .number(Double(result.histories[0].weightsEpoch))
        }
        let bundle = bundleDescription(data: data, pooling: pooling, head: q.head, logistic: q.solver == .lbfgs, run: runID,
                                       metrics: ["val_top1": validation.top1].merging(test.map { ["test_top1": $0.top1] } ?? [:]) { a, _ in a })
        if let path = q.export {
            try ModelBundle.writeHead(bundle, head: tensors, to: path)
            config["export"] = .string(path)
        }
        var metrics = MetricsJSON.final(test: test, validation: validation, classNames: data.classNames, trainSeconds: trainSeconds)
        if let testPredictions { metrics["test_predictions"] = .array(testPredictions.map { .number(Double($0)) }) }
        if q.misclassified > 0 && data.hasTest {
            metrics["misclassified"] = MisclassifiedJSON.json(mistakes, ids: try CacheReader(path: q.cache).sampleIDs(mistakes.map(\.index)),
                                                              classNames: data.classNames)
        }
        var record = RunRecord(id: runID, kind: .fit, commandLine: q.commandLine,
                               startedAt: started, cache: q.cache, cacheFingerprint: data.manifest.fingerprint, config: config,
                               metrics: metrics,
                               epochs: try JSONValue.objects(encoding: history?.epochs ?? []), thawVersion: thawVersion)
        RunContext.fill(&record, started: started, rowsPerSecond: trainSeconds > 0 ? Double(rowsSeen) / trainSeconds : nil)
        return FitOutcome(record: record, validation: validation, test: test, history: history, notes: data.notes,
                          tensors: tensors, bundle: bundle, testPredictions: testPredictions)
    }

    /// The bundle of a head trained on `data` (docs/bundle-format.md).
    static func bundleDescription(data: TapData, pooling: Pooling?, head: HeadShape, logistic: Bool, run: String,
                                  metrics: [String: Double]) -> BundleDescription {
        let m = data.manifest
        return BundleDescription(
            kind: .head, backbone: .init(name: m.backbone, weightsSHA256: m.weightsSHA256,
                                          weightsFile: RunContext.weightsFile(cache: data.path)),
            input: .init(preprocessing: m.preprocessing), preprocessing: m.preprocessing,
            tap: .init(name: data.tap.name, dtype: data.tap.dtype.rawValue, shape: data.tap.shape, layout: data.tap.layout),
            pooling: PoolingName.of(pooling),
            head: .init(type: logistic ? "logistic" : head.hidden.isEmpty ? "linear" : "mlp", hidden: head.hidden,
                        activation: head.activation.rawValue, layerNorm: head.layerNorm),
            classes: data.classNames, run: run, cacheFingerprint: m.fingerprint, toolVersion: thawVersion,
            metrics: metrics)
    }

    /// Argmax of each row of z [rows, classes] (first index on ties).
    static func argmaxRows(_ z: [Float], classes: Int) -> [Int32] {
        (0..<(z.count / classes)).map { r in
            var best = 0
            for j in 1..<classes where z[r * classes + j] > z[r * classes + best] { best = j }
            return Int32(best)
        }
    }
}
