extension FineTuneCheckpoint {
    /// Ends an epoch the same way for every family: records it, updates the early-stopping state
    /// (best validation loss, epochs without improvement), writes the checkpoint when asked, and
    /// returns true when early stopping ends the run before its last epoch.
    mutating func close(_ record: FineTuneEpoch, settings s: FineTuneSettings,
                        model: some CheckpointableModel) throws -> Bool {
        history.append(record)
        if record.valLoss < bestValLoss {
            bestValLoss = record.valLoss; bestEpoch = record.epoch; badEpochs = 0
        } else {
            badEpochs += 1
        }
        epochsDone = record.epoch + 1
        if let dir = s.checkpointDir { try write(model, dir: dir) }
        guard let patience = s.earlyStop else { return false }
        return badEpochs >= patience && epochsDone < s.epochs
    }
}
