import Foundation

/// The one training loop of Thaw (heads, stacked heads, fine-tuning from cached maps, raw images or
/// cached hidden states): epochs of batches from a `BatchSource`, the learning-rate schedule per
/// optimizer step, validation after every epoch, early stopping per member with the best weights
/// restored, a checkpoint hook after every epoch and resume from its state, progress and history.
public struct EpochLoop {
    public var epochs: Int
    /// Member k's rate at 0-based step s is `baseRates[k] · schedule.rate(base: 1, step: s, totalSteps:)`.
    public var schedule: LearningRateSchedule
    public var baseRates: [Float]
    /// nil: every member trains every epoch (the best epoch is still tracked, by validation loss).
    public var earlyStopping: EarlyStopping?
    /// With early stopping, members end with the weights of their best epoch (else their last).
    public var restoresBest: Bool

    public init(epochs: Int, schedule: LearningRateSchedule, baseRates: [Float], earlyStopping: EarlyStopping?,
                restoresBest: Bool) {
        precondition(epochs >= 1 && !baseRates.isEmpty, "EpochLoop: needs epochs and at least one member")
        self.epochs = epochs; self.schedule = schedule; self.baseRates = baseRates
        self.earlyStopping = earlyStopping; self.restoresBest = restoresBest
    }

    /// Member k's learning rate at 0-based `step` of `totalSteps`.
    public func rate(member k: Int, step: Int, totalSteps: Int) -> Float {
        baseRates[k] * schedule.rate(base: 1, step: step, totalSteps: totalSteps)
    }

    /// Trains from `state` (a fresh `LoopState(members:)` or a checkpoint's) to the last epoch or until
    /// every member has stopped. `validate` scores every member after each epoch (returning nil: no
    /// validation, so no early stopping). `checkpoint` is called with the state after each epoch; `onEvent` after each
    /// batch and epoch, returning false to interrupt after the epoch (resume continues from there).
    public func run<Model: TrainableModel, Source: BatchSource>(
        _ model: Model, data: Source, resuming state: LoopState? = nil,
        validate: () throws -> [ValidationScore]?,
        checkpoint: ((LoopState) throws -> Void)? = nil,
        onEvent: (LoopEvent) throws -> Bool = { _ in true }) throws -> LoopOutcome where Source.Chunk == Model.Chunk {
        let k = model.members
        precondition(baseRates.count == k, "EpochLoop: \(baseRates.count) base rates for \(k) members")
        precondition(state == nil || !(restoresBest && earlyStopping != nil),
                     "EpochLoop: a checkpoint keeps no best weights; resume a run that restores them from the start")
        var state = state ?? LoopState(members: k)
        precondition(state.histories.count == k, "EpochLoop: the state holds \(state.histories.count) members, the model \(k)")
        let n = data.rowCount, perEpoch = data.batchesPerEpoch, totalSteps = perEpoch * epochs
        let patience = earlyStopping?.patience
        var stopped = state.best.map { $0.exhausted(patience: patience) }
        var bestWeights = [Model.Snapshot?](repeating: nil, count: k)
        var rowsDone = 0, busy = 0.0
        var epoch = state.epochsDone
        while epoch < epochs && !stopped.allSatisfy({ $0 }) {
            let t0 = Date()
            var lossSum = [Double](repeating: 0, count: k), lastRate = [Float](repeating: 0, count: k)
            var rowsSoFar = 0, done = 0
            try data.forEachBatch(epoch: epoch) { batch in
                state.step += 1
                var rates = [Float?](repeating: nil, count: k)
                for j in 0..<k where !stopped[j] {
                    let r = rate(member: j, step: state.step - 1, totalSteps: totalSteps)
                    rates[j] = r
                    lastRate[j] = r
                }
                let losses = try model.trainStep(batch, rates: rates, step: state.step)
                for j in 0..<k { lossSum[j] += losses[j] }
                rowsSoFar += batch.rows
                done += 1
                _ = try onEvent(.batch(epoch: epoch, done: done, total: perEpoch, loss: lossSum[0] / Double(rowsSoFar)))
            }
            precondition(rowsSoFar == n, "EpochLoop: epoch \(epoch) visited \(rowsSoFar) of \(n) rows")
            busy += Date().timeIntervalSince(t0)
            rowsDone += n
            let scores = try validate()
            precondition(scores != nil || earlyStopping == nil, "EpochLoop: early stopping needs validation")
            let seconds = Date().timeIntervalSince(t0)
            var records = [EpochRecord?](repeating: nil, count: k)
            for j in 0..<k where !stopped[j] {
                let v = scores?[j]
                let record = EpochRecord(epoch: epoch, trainLoss: lossSum[j] / Double(n), valLoss: v?.loss, valTop1: v?.top1,
                                         lr: lastRate[j], seconds: seconds)
                records[j] = record
                state.histories[j].epochs.append(record)
                state.histories[j].weightsEpoch = epoch
                guard let v else { continue }
                let score = (earlyStopping ?? EarlyStopping()).score(loss: v.loss, top1: v.top1)
                if state.best[j].observe(score, epoch: epoch) && restoresBest && earlyStopping != nil {
                    bestWeights[j] = model.snapshot(member: j)
                }
                state.histories[j].bestEpoch = state.best[j].epoch
                if state.best[j].exhausted(patience: patience) {
                    stopped[j] = true
                    state.histories[j].stoppedEarly = epoch + 1 < epochs
                }
            }
            state.epochsDone = epoch + 1
            epoch += 1
            try checkpoint?(state)
            guard try onEvent(.epoch(records)) else { break }
        }
        if restoresBest && earlyStopping != nil {
            for j in 0..<k {
                guard let w = bestWeights[j] else { continue }
                model.restore(member: j, w)
                state.histories[j].weightsEpoch = state.best[j].epoch
            }
        }
        return LoopOutcome(state: state, rowsDone: rowsDone, trainSeconds: busy)
    }
}
