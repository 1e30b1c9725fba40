import ThawRuns

/// One epoch of fine-tuning as the run record keeps it.
public struct FineTuneEpoch: Codable, Sendable, Equatable {
    /// 0-based.
    public var epoch: Int
    public var trainLoss: Double
    public var valLoss: Double
    public var valTop1: Double
    /// Head learning rate at the epoch's last step.
    public var lr: Float
    public var seconds: Double

    public init(epoch: Int, trainLoss: Double, valLoss: Double, valTop1: Double, lr: Float, seconds: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.valLoss = valLoss; self.valTop1 = valTop1
        self.lr = lr; self.seconds = seconds
    }

    /// `{epoch, train_loss, val_loss, val_top1, lr, seconds}` (runschema).
    public var json: [String: JSONValue] {
        ["epoch": .number(Double(epoch)), "train_loss": .number(trainLoss), "val_loss": .number(valLoss),
         "val_top1": .number(valTop1), "lr": .number(Double(lr)), "seconds": .number(seconds)]
    }
}
