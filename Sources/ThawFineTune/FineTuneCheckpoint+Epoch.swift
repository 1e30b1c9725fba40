import ThawTraining

extension FineTuneCheckpoint {
    /// The checkpoint of a single-network loop's state.
    init(_ state: LoopState, seed: UInt64, config: String) {
        precondition(state.histories.count == 1, "FineTuneCheckpoint: one network")
        let best = state.best[0]
        self.init(epochsDone: state.epochsDone, step: state.step, seed: seed, config: config, history: state.histories[0].epochs,
                  bestValLoss: best.score, bestEpoch: best.epoch, badEpochs: best.epochsSince)
    }

    /// The loop state to continue from (`epochs` and `patience` of the run say whether it had stopped early).
    func loopState(epochs: Int, patience: Int?) -> LoopState {
        let best = BestScore(score: bestValLoss, epoch: bestEpoch, epochsSince: badEpochs)
        let history = TrainingHistory(epochs: history, bestEpoch: bestEpoch, weightsEpoch: max(0, epochsDone - 1),
                                      stoppedEarly: best.exhausted(patience: patience) && epochsDone < epochs)
        return LoopState(epochsDone: epochsDone, step: step, histories: [history], best: [best])
    }
}
