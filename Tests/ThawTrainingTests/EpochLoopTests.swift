import XCTest
@testable import ThawTraining

final class EpochLoopTests: XCTestCase {
    let train = Clusters(count: 120, d: 6, classes: 3, noise: 1.5, seed: 1)
    let val = Clusters(count: 60, d: 6, classes: 3, noise: 1.5, seed: 2)

    func testRatePerStepFollowsTheScheduleAcrossEpochs() throws {
        let model = SoftmaxRegression(d: 6, classes: 3, seed: 3)
        let schedule = LearningRateSchedule.cosine(warmupSteps: 5, minFactor: 0.1)
        let loop = EpochLoop(epochs: 3, schedule: schedule, baseRates: [0.02], earlyStopping: nil, restoresBest: false)
        let data = train.batches(batch: 32, chunk: 10, seed: 4)
        let out = try loop.run(model, data: data, validate: { nil })
        let total = data.batchesPerEpoch * 3
        XCTAssertEqual(data.batchesPerEpoch, 4, "120 rows in batches of 32")
        XCTAssertEqual(model.rates, (0..<total).map { 0.02 * schedule.rate(base: 1, step: $0, totalSteps: total) })
        XCTAssertEqual(out.state.step, total)
        XCTAssertLessThan(model.rates[0], model.rates[4], "warm-up rises")
        XCTAssertGreaterThan(model.rates[4], model.rates[total - 1], "cosine falls")
        XCTAssertEqual(out.histories[0].epochs.map { $0.lr }, [3, 7, 11].map { model.rates[$0] }, "each epoch records its last step's rate")
        XCTAssertEqual(out.rowsDone, 360)
    }

    func testEarlyStopRestoresTheBestEpochsWeights() throws {
        // A rate far too high: validation loss bottoms out early, then rises.
        func loop(_ epochs: Int, _ es: EarlyStopping?) -> EpochLoop {
            EpochLoop(epochs: epochs, schedule: .constant, baseRates: [0.5], earlyStopping: es, restoresBest: true)
        }
        let model = SoftmaxRegression(d: 6, classes: 3, seed: 3)
        let out = try loop(30, EarlyStopping(metric: .loss, patience: 2)).run(
            model, data: train.batches(batch: 16, chunk: 16, seed: 4), validate: { self.val.score(model) })
        let h = out.histories[0]
        XCTAssertTrue(h.stoppedEarly, "lr 0.5 should overshoot within 30 epochs: \(h.epochs.map { $0.valLoss! })")
        let losses = h.epochs.map { $0.valLoss! }
        XCTAssertEqual(losses[h.bestEpoch], losses.min()!)
        XCTAssertEqual(h.weightsEpoch, h.bestEpoch)
        XCTAssertEqual(h.epochs.count, h.bestEpoch + 3, "stops after patience epochs without improvement")
        XCTAssertLessThan(h.bestEpoch, h.epochs.count - 1, "the best epoch is not the last")
        // The same run cut at the best epoch ends with the same weights.
        let reference = SoftmaxRegression(d: 6, classes: 3, seed: 3)
        _ = try loop(h.bestEpoch + 1, nil).run(reference, data: train.batches(batch: 16, chunk: 16, seed: 4), validate: { nil })
        XCTAssertEqual(model.snapshot(member: 0), reference.snapshot(member: 0))
        XCTAssertEqual(val.score(model)[0].loss, losses.min()!, accuracy: 1e-12)
    }

    func testResumeFromACheckpointEqualsAnUninterruptedRun() throws {
        let loop = EpochLoop(epochs: 5, schedule: .cosine(warmupSteps: 3, minFactor: 0), baseRates: [0.05],
                             earlyStopping: EarlyStopping(metric: .accuracy, patience: 4), restoresBest: false)
        let whole = SoftmaxRegression(d: 6, classes: 3, seed: 3)
        let a = try loop.run(whole, data: train.batches(batch: 32, chunk: 12, seed: 4), validate: { self.val.score(whole) })

        // Interrupted after epoch 2; the checkpoint holds the loop state, weights and optimizer state.
        let first = SoftmaxRegression(d: 6, classes: 3, seed: 3)
        var saved: (LoopState, [[Float]])?
        _ = try loop.run(first, data: train.batches(batch: 32, chunk: 12, seed: 4), validate: { self.val.score(first) },
                         checkpoint: { saved = ($0, first.checkpoint) },
                         onEvent: { if case .epoch = $0 { return saved!.0.epochsDone < 2 }; return true })
        let (state, tensors) = try XCTUnwrap(saved)
        XCTAssertEqual(state.epochsDone, 2)
        let resumed = SoftmaxRegression(d: 6, classes: 3, seed: 77)   // other initial weights: the checkpoint replaces them
        resumed.load(checkpoint: tensors)
        let b = try loop.run(resumed, data: train.batches(batch: 32, chunk: 12, seed: 4), resuming: state,
                             validate: { self.val.score(resumed) })

        XCTAssertEqual(resumed.checkpoint, whole.checkpoint, "weights and optimizer state bit for bit")
        func strip(_ h: TrainingHistory) -> TrainingHistory {
            var h = h
            for i in h.epochs.indices { h.epochs[i].seconds = 0 }
            return h
        }
        XCTAssertEqual(b.histories.map(strip), a.histories.map(strip))
        XCTAssertEqual(b.state.step, a.state.step)
        XCTAssertEqual(b.state.best, a.state.best)
        XCTAssertEqual(b.rowsDone, 3 * 120, "the resumed run trains only the remaining epochs")
    }

    func testChunkedAccumulationEqualsOneChunkPerBatch() throws {
        // Gradients summed over chunks weighted by their share equal the whole batch's (up to rounding).
        let loop = EpochLoop(epochs: 2, schedule: .constant, baseRates: [0.05], earlyStopping: nil, restoresBest: false)
        let one = SoftmaxRegression(d: 6, classes: 3, seed: 3), chunked = SoftmaxRegression(d: 6, classes: 3, seed: 3)
        let a = try loop.run(one, data: train.batches(batch: 32, chunk: 32, seed: 4), validate: { nil })
        let b = try loop.run(chunked, data: train.batches(batch: 32, chunk: 7, seed: 4), validate: { nil })
        for (x, y) in zip(one.weight.value, chunked.weight.value) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        for (x, y) in zip(a.histories[0].epochs, b.histories[0].epochs) {
            XCTAssertEqual(x.trainLoss, y.trainLoss, accuracy: 1e-6)
            XCTAssertTrue(x.trainLoss.isFinite)
        }
    }

    func testEpochRecordEncodesAsTheRunRecordsEpochObject() throws {
        let e = EpochRecord(epoch: 2, trainLoss: 0.5, valLoss: 0.25, valTop1: 0.75, lr: 1e-3, seconds: 1.5)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(e)) as! [String: Any]
        XCTAssertEqual(Set(object.keys), ["epoch", "train_loss", "val_loss", "val_top1", "lr", "seconds"])
        struct LR: Decodable { var lr: Double }
        XCTAssertEqual(try JSONDecoder().decode(LR.self, from: JSONEncoder().encode(e)).lr, Double(Float(1e-3)),
                       "the Float rate as the Double records always held")
        XCTAssertEqual(try JSONDecoder().decode(EpochRecord.self, from: JSONEncoder().encode(e)), e)
        let noValidation = EpochRecord(epoch: 0, trainLoss: 1, valLoss: nil, valTop1: nil, lr: 0.1, seconds: 0)
        let keys = (try JSONSerialization.jsonObject(with: JSONEncoder().encode(noValidation)) as! [String: Any]).keys
        XCTAssertFalse(keys.contains("val_loss"))
    }
}
