/// Where a training run stands between epochs: what a checkpoint saves (with the model's tensors)
/// and what `EpochLoop.run(resuming:)` continues from, bit for bit.
public struct LoopState: Codable, Equatable, Sendable {
    public var epochsDone: Int
    /// Optimizer steps taken (the next step is `step + 1`).
    public var step: Int
    /// Per member.
    public var histories: [TrainingHistory]
    /// Per member: best validation score so far and epochs since.
    public var best: [BestScore]

    /// The state before the first epoch of `members` members.
    public init(members: Int) {
        self.init(epochsDone: 0, step: 0, histories: Array(repeating: TrainingHistory(), count: members),
                  best: Array(repeating: BestScore(), count: members))
    }

    public init(epochsDone: Int, step: Int, histories: [TrainingHistory], best: [BestScore]) {
        precondition(histories.count == best.count, "LoopState: one history and one best score per member")
        self.epochsDone = epochsDone; self.step = step; self.histories = histories; self.best = best
    }
}

/// A member's validation result after an epoch.
public struct ValidationScore: Equatable, Sendable {
    public var loss: Double
    public var top1: Double
    public init(loss: Double, top1: Double) { self.loss = loss; self.top1 = top1 }
}

/// What `EpochLoop.run` reports while it trains.
public enum LoopEvent {
    /// After each optimizer step: the epoch's mean training loss so far (member 0).
    case batch(epoch: Int, done: Int, total: Int, loss: Double)
    /// After each epoch (and its checkpoint): the record of every member still training (nil for stopped ones).
    case epoch([EpochRecord?])
}

/// What a run went through.
public struct LoopOutcome {
    public var state: LoopState
    public var histories: [TrainingHistory] { state.histories }
    /// Training rows processed in this process (epochs × rows, resumed epochs not counted).
    public var rowsDone: Int
    /// Seconds spent in training steps (validation and checkpoints excluded), this process only.
    public var trainSeconds: Double
    public var rowsPerSecond: Double { trainSeconds > 0 ? Double(rowsDone) / trainSeconds : 0 }
}
