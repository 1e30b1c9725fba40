/// What one member (a head of a stack, or a fine-tuned network) went through.
public struct TrainingHistory: Codable, Hashable, Sendable {
    /// The epochs it trained (a member stopped early has fewer than the run).
    public var epochs: [EpochRecord]
    /// 0-based epoch of its best validation score (the early-stopping metric, loss by default).
    public var bestEpoch: Int
    /// 0-based epoch whose weights it ends with: `bestEpoch` when the loop restored the best
    /// weights, else its last epoch.
    public var weightsEpoch: Int
    /// Patience ran out with epochs still to run.
    public var stoppedEarly: Bool

    public init(epochs: [EpochRecord] = [], bestEpoch: Int = 0, weightsEpoch: Int = 0, stoppedEarly: Bool = false) {
        self.epochs = epochs; self.bestEpoch = bestEpoch; self.weightsEpoch = weightsEpoch; self.stoppedEarly = stoppedEarly
    }
}
