import Foundation

/// The grid of a sweep: every combination of learning rate × weight decay × head shape × pooling.
public struct SweepGrid: Codable, Hashable, Sendable {
    public var learningRates: [Float]
    public var weightDecays: [Float]
    public var shapes: [HeadShape]
    /// Poolings for map features; `[nil]` for vector features.
    public var poolings: [Pooling?]
    /// Head k of the grid is seeded with `seed &+ k`.
    public var seed: UInt64

    public init(learningRates: [Float], weightDecays: [Float] = [0], shapes: [HeadShape] = [.linear],
                poolings: [Pooling?] = [nil], seed: UInt64 = 0) {
        precondition(!learningRates.isEmpty && !weightDecays.isEmpty && !shapes.isEmpty && !poolings.isEmpty,
                     "SweepGrid: every axis needs at least one value")
        self.learningRates = learningRates
        self.weightDecays = weightDecays
        self.shapes = shapes
        self.poolings = poolings
        self.seed = seed
    }

    /// All configurations in a fixed order (pooling, shape, lr, wd — the last varies fastest).
    public var configurations: [SweepConfiguration] {
        var out: [SweepConfiguration] = []
        for p in poolings { for s in shapes { for lr in learningRates { for wd in weightDecays {
            out.append(SweepConfiguration(index: out.count, shape: s, pooling: p,
                                          hyperparameters: HeadHyperparameters(learningRate: lr, weightDecay: wd,
                                                                               seed: seed &+ UInt64(out.count))))
        } } } }
        return out
    }
}

/// One point of the grid.
public struct SweepConfiguration: Codable, Hashable, Sendable {
    public var index: Int
    public var shape: HeadShape
    public var pooling: Pooling?
    public var hyperparameters: HeadHyperparameters
}

/// One row of the sweep table.
public struct SweepRow: Codable, Hashable, Sendable {
    public var configuration: SweepConfiguration
    /// Configurations of the same group were trained stacked in one pass.
    public var group: Int
    public var validation: ClassificationMetrics
    public var history: HeadHistory
}

/// The table of a sweep and its winner, evaluated once on test.
public struct SweepResult: Codable, Sendable {
    public enum Selection: String, Codable, Sendable { case accuracy, loss }
    public var rows: [SweepRow]
    public var selection: Selection
    /// Index into `rows` of the configuration chosen on validation.
    public var best: Int
    /// The chosen configuration on the test split (nil when no test split was given).
    public var bestTest: ClassificationMetrics?
    /// Wall seconds spent training each group.
    public var groupSeconds: [Double]
}

/// Runs a grid against one data set: configurations reading the same input with the same head shape
/// train stacked; the best on validation is evaluated once on test.
public enum Sweep {
    public static func run(grid: SweepGrid, classes: Int, train: FeatureSet, validation: FeatureSet, test: FeatureSet?,
                           options: TrainingOptions, selection: SweepResult.Selection = .accuracy) throws -> SweepResult {
        let configs = grid.configurations
        var rows: [SweepRow] = []
        var groupSeconds: [Double] = []
        var bestRow = -1
        var bestStack: (stack: TrainedStack, head: Int)? = nil
        func better(_ a: ClassificationMetrics, than b: ClassificationMetrics) -> Bool {
            switch selection {
            case .accuracy: return a.top1 > b.top1 || (a.top1 == b.top1 && a.loss < b.loss)
            case .loss: return a.loss < b.loss
            }
        }
        var group = 0
        for pooling in grid.poolings {
            // Fixed poolings are computed once for every group that reads them.
            let fixed = pooling.map { !$0.isLearnable } ?? false
            let (tr, va) = fixed ? (train.pooled(pooling!), validation.pooled(pooling!)) : (train, validation)
            let trainPooling = fixed ? nil : pooling
            for shape in grid.shapes {
                let members = configs.filter { $0.pooling == pooling && $0.shape == shape }
                let started = Date()
                let stack = try HeadTrainer.train(shape: shape, pooling: trainPooling, heads: members.map(\.hyperparameters),
                                                  classes: classes, train: tr, validation: va, options: options)
                let val = HeadTrainer.evaluate(model: stack.model, data: try HeadTrainer.prepare(va, pooling: trainPooling).0,
                                               batchSize: options.evaluationBatchSize)
                groupSeconds.append(Date().timeIntervalSince(started))
                for (k, c) in members.enumerated() {
                    rows.append(SweepRow(configuration: c, group: group, validation: val[k], history: stack.histories[k]))
                    if bestRow < 0 || better(val[k], than: rows[bestRow].validation) {
                        bestRow = rows.count - 1
                        bestStack = (stack, k)
                    }
                }
                group += 1
            }
        }
        var bestTest: ClassificationMetrics? = nil
        if let test, let (stack, k) = bestStack {
            let p = rows[bestRow].configuration.pooling
            let fixed = p.map { !$0.isLearnable } ?? false
            let te = fixed ? test.pooled(p!) : test
            try te.validate(classes: classes)
            bestTest = HeadTrainer.evaluate(model: stack.model, data: try HeadTrainer.prepare(te, pooling: stack.pooling).0,
                                            batchSize: options.evaluationBatchSize)[k]
        }
        return SweepResult(rows: rows, selection: selection, best: bestRow, bestTest: bestTest, groupSeconds: groupSeconds)
    }
}
