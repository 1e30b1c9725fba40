/// One member's best validation score so far (lower is better) and the epochs since: the single
/// early-stopping rule of every trainer. A NaN score never improves on anything (a diverged epoch).
public struct BestScore: Codable, Equatable, Sendable {
    public var score: Double = .infinity
    /// 0-based epoch of `score`; the first of equal scores.
    public var epoch: Int = 0
    /// Epochs since `epoch` without a better score.
    public var epochsSince: Int = 0

    public init(score: Double = .infinity, epoch: Int = 0, epochsSince: Int = 0) {
        self.score = score; self.epoch = epoch; self.epochsSince = epochsSince
    }

    /// Takes in `epoch`'s score; returns true when it is a new best.
    public mutating func observe(_ score: Double, epoch: Int) -> Bool {
        guard score < self.score else { epochsSince += 1; return false }
        self.score = score
        self.epoch = epoch
        epochsSince = 0
        return true
    }

    /// Whether `patience` epochs have passed without improvement.
    public func exhausted(patience: Int?) -> Bool {
        guard let patience else { return false }
        return epochsSince >= patience
    }
}
