/// Stop a member (a head of a stack, or a fine-tuned network) when its validation metric has not
/// improved for `patience` epochs.
public struct EarlyStopping: Codable, Hashable, Sendable {
    public enum Metric: String, Codable, Hashable, Sendable { case loss, accuracy }
    public var metric: Metric
    public var patience: Int

    public init(metric: Metric = .loss, patience: Int = 3) {
        precondition(patience >= 1, "EarlyStopping: patience must be at least 1")
        self.metric = metric
        self.patience = patience
    }

    /// Lower is better: the loss, or −accuracy.
    public func score(loss: Double, top1: Double) -> Double {
        metric == .loss ? loss : -top1
    }
}
