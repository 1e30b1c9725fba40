import ThawHeads
import ThawTraining

extension FineTuneSettings {
    /// The epoch loop of every fine-tuning family: cosine schedule with linear warm-up over
    /// `warmupFraction` of all steps, early stopping on validation loss; the model keeps its last
    /// epoch's weights (the record names the best epoch).
    func loop(trainRows: Int) -> EpochLoop {
        let totalSteps = (trainRows + batch - 1) / batch * epochs
        return EpochLoop(epochs: epochs, schedule: .cosine(warmupSteps: Int(warmupFraction * Double(totalSteps)), minFactor: 0),
                         baseRates: [step.lr], earlyStopping: earlyStop.map { EarlyStopping(metric: .loss, patience: $0) },
                         restoresBest: false)
    }

    /// Runs the remaining epochs of `trainable` (whose tensors are `model`'s): from the checkpoint with
    /// `resume`, else after `freshStart` (e.g. BatchNorm recalibration); a checkpoint after each epoch
    /// when `checkpointDir` is set; `shouldStop` asked after each epoch's checkpoint (to interrupt).
    func run<Model: ChunkedModel, Source: BatchSource>(
        _ trainable: Model, tensors model: some CheckpointableModel, data: Source,
        validate: () throws -> ClassificationMetrics, freshStart: () throws -> Void = {},
        progress: ((FineTuneProgress) -> Void)?, shouldStop: (() -> Bool)?) throws -> FineTuneOutcome
    where Source.Chunk == Model.Chunk {
        let loop = loop(trainRows: data.rowCount)
        var state: LoopState? = nil
        if let resumed = try FineTuneCheckpoint.resume(self, into: model) {
            state = resumed.loopState(epochs: epochs, patience: earlyStop)
            progress?(.resumed(epochsDone: resumed.epochsDone))
        } else {
            try freshStart()
        }
        let outcome = try loop.run(
            trainable, data: data, resuming: state, validate: { [try validate().score] },
            checkpoint: checkpointDir.map { dir in
                { state in try FineTuneCheckpoint(state, seed: seed, config: config).write(model, dir: dir) }
            },
            onEvent: { event in
                switch event {
                case let .batch(epoch, done, total, loss):
                    progress?(.batch(epoch: epoch, done: done, total: total, loss: loss))
                    return true
                case .epoch(let records):
                    if let r = records[0] { progress?(.epoch(r)) }
                    return shouldStop?() != true
                }
            })
        let h = outcome.histories[0]
        return FineTuneOutcome(epochs: h.epochs, bestEpoch: h.bestEpoch, stoppedEarly: h.stoppedEarly,
                               rowsPerSecond: outcome.rowsPerSecond, trainSeconds: outcome.trainSeconds)
    }
}
