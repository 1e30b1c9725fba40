import ThawTraining

/// One batch of stacked-head training as the model reads it: rows x [B, D] (maps [B, S, C] for GeM,
/// B = the batch's row count) and labels [B].
public struct HeadRows {
    public var x: UnsafePointer<Float>
    public var labels: [Int32]
    public init(x: UnsafePointer<Float>, labels: [Int32]) { self.x = x; self.labels = labels }
}

/// `HeadGroups` as an `EpochLoop` model: member k is head k, trained at `heads[k]`'s weight decay.
/// A step stays fused (each group's forward, loss, backward and update on its own core, see
/// `HeadGroups.step`) rather than going through `ChunkedModel`'s separate forward and backward:
/// those would add two fork-joins per step, which measured a third of a 64-head step.
public struct StackedHeadsTraining: TrainableModel {
    public let stack: HeadGroups
    public let heads: [HeadHyperparameters]
    public let options: TrainingOptions

    public init(stack: HeadGroups, heads: [HeadHyperparameters], options: TrainingOptions) {
        precondition(stack.heads == heads.count, "StackedHeadsTraining: one hyperparameter set per head")
        self.stack = stack; self.heads = heads; self.options = options
    }

    public var members: Int { heads.count }

    public func trainStep(_ batch: Batch<HeadRows>, rates: [Float?], step: Int) throws -> [Double] {
        precondition(batch.chunkCount == 1, "StackedHeadsTraining: a batch is one chunk")
        let (rows, b) = try batch.chunk(0)
        var losses = [Double](repeating: 0, count: heads.count)
        let headRates = rates.indices.map { k in rates[k].map { ($0, heads[k].weightDecay) } }
        stack.step(x: rows.x, labels: rows.labels, batch: b, options: options, rates: headRates, step: step, losses: &losses)
        return losses.map { $0 * Double(b) }
    }

    public func snapshot(member k: Int) -> [String: [Float]] { stack.state(head: k) }
    public func restore(member k: Int, _ snapshot: [String: [Float]]) { stack.load(head: k, snapshot) }

    /// The loop that trains the heads: every head at its own base rate, `options`' schedule and early stopping,
    /// the best weights restored.
    public static func loop(heads: [HeadHyperparameters], options: TrainingOptions) -> EpochLoop {
        EpochLoop(epochs: options.epochs, schedule: options.schedule, baseRates: heads.map(\.learningRate),
                  earlyStopping: options.earlyStopping, restoresBest: true)
    }
}

extension ClassificationMetrics {
    /// What the epoch loop watches.
    public var score: ValidationScore { ValidationScore(loss: loss, top1: top1) }
}
