import ThawCore
@testable import ThawFineTune
import ThawHeads
import XCTest

/// `FineTuneTrainer.validationMetrics()`: the metrics after the last epoch are reused for the run's record only while
/// no tensor changed; they equal a fresh pass over the validation maps (`evaluateValidation()`), and after an
/// optimizer step the next call evaluates again.
final class ValidationReuseTests: XCTestCase {
    override func tearDown() { FineTuneTrainer.reusesValidation = true }

    private func trainer() throws -> FineTuneTrainer {
        let settings = FineTuneSettings(epochs: 1, step: FineTuneStep(optimizer: .adamwDefault, lr: 1e-2, weightDecay: 0.01, clipNorm: 1),
                                        batch: 16, chunk: 8, seed: 5)
        return FineTuneTrainer(model: try TinyModel.make(), train: try TinyModel.data(count: 48, seed: 6),
                               validation: try TinyModel.data(count: 20, seed: 7), settings: settings)
    }

    func testMetricsAfterTheLastEpochAreReusedAndEqualAFreshPass() throws {
        let t = try trainer()
        let outcome = try t.run()
        let memo = try XCTUnwrap(t.lastValidation, "the epoch's validation is kept")
        XCTAssertEqual(memo.versions, t.model.weightVersions, "kept at the weights the run ends with")
        let reused = try t.validationMetrics()
        XCTAssertTrue(reused.loss.isFinite)
        XCTAssertEqual(reused, try t.evaluateValidation(), "the reused metrics are a fresh pass's")
        XCTAssertEqual(reused.loss, outcome.epochs.last?.valLoss, "and the last epoch's")
    }

    func testAStepInvalidatesTheKeptMetrics() throws {
        let t = try trainer()
        _ = try t.run()
        let before = try t.validationMetrics()
        // One optimizer step on a training chunk: every weight moves.
        let train = try TinyModel.data(count: 8, seed: 8)
        let (logits, saved) = t.model.forward(train.features, batch: 8, height: 4, width: 4, mode: .running)
        let (_, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: train.labels, classes: 3)
        t.model.zeroGrad()
        t.model.backward(dlogits, saved: saved)
        t.settings.step.apply(to: t.model, step: 2)
        let after = try t.validationMetrics()
        XCTAssertNotEqual(after.loss, before.loss, "the step moves the validation loss")
        FineTuneTrainer.reusesValidation = false
        XCTAssertEqual(after, try t.validationMetrics(), "after a step: the metrics of the new weights")
    }
}
