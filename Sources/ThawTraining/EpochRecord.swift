/// One epoch of one trained member, as printed, checkpointed and kept in run records: its `Codable`
/// encoding *is* the run record's epoch object `{epoch, train_loss, val_loss, val_top1, lr, seconds}`
/// (docs/run-records.md; `val_*` are absent when training ran without a validation split).
public struct EpochRecord: Codable, Hashable, Sendable {
    /// 0-based.
    public var epoch: Int
    /// Mean training loss over the epoch's rows.
    public var trainLoss: Double
    public var valLoss: Double?
    public var valTop1: Double?
    /// Learning rate at the epoch's last step (the head's rate when blocks train at decayed rates).
    public var lr: Float
    /// Wall time of the epoch, validation included.
    public var seconds: Double

    public init(epoch: Int, trainLoss: Double, valLoss: Double?, valTop1: Double?, lr: Float, seconds: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.valLoss = valLoss; self.valTop1 = valTop1
        self.lr = lr; self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", valLoss = "val_loss", valTop1 = "val_top1", lr, seconds
    }

    // `lr` is written as the Double of the Float rate (0.0010000000474974513, not 0.001), as records always held it.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Int.self, forKey: .epoch)
        trainLoss = try c.decode(Double.self, forKey: .trainLoss)
        valLoss = try c.decodeIfPresent(Double.self, forKey: .valLoss)
        valTop1 = try c.decodeIfPresent(Double.self, forKey: .valTop1)
        lr = Float(try c.decode(Double.self, forKey: .lr))
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(trainLoss, forKey: .trainLoss)
        try c.encodeIfPresent(valLoss, forKey: .valLoss)
        try c.encodeIfPresent(valTop1, forKey: .valTop1)
        try c.encode(Double(lr), forKey: .lr)
        try c.encode(seconds, forKey: .seconds)
    }
}
