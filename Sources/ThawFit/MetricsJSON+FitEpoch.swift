import ThawRuns

extension MetricsJSON {
    /// `{epoch, train_loss, val_loss, val_top1, lr, seconds}`.
    public static func epoch(_ e: FitEpoch) -> [String: JSONValue] {
        ["epoch": .number(Double(e.epoch)), "train_loss": .number(e.trainLoss), "val_loss": .number(e.valLoss),
         "val_top1": .number(e.valTop1), "lr": .number(Double(e.lr)), "seconds": .number(e.seconds)]
    }
}
