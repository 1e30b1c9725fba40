import Foundation
import ThawFineTune
import ThawHeads
import ThawTraining
import XCTest

/// BERT fine-tuning checkpoints: an interrupted run resumed from its checkpoint ends with the same
/// weights and history as an uninterrupted one; other settings are refused by name.
final class BertCheckpointTests: XCTestCase {
    func settings(_ dir: String? = nil, resume: Bool = false, config: String = "lr=0.003\nbatch=10") -> FineTuneSettings {
        FineTuneSettings(epochs: 3, step: FineTuneStep(optimizer: .adamwDefault, lr: 3e-3, layerDecay: 0.8, weightDecay: 0.01, clipNorm: 1),
                         batch: 10, chunk: 4, seed: 7, checkpointDir: dir, resume: resume, config: config)
    }

    func tempDir() -> String {
        let d = NSTemporaryDirectory() + "thaw-bert-ck-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        return d
    }

    func testResumeEqualsUninterruptedRun() throws {
        let train = TinyBert.split(count: 30, seed: 1), val = TinyBert.split(count: 9, seed: 2)
        let whole = BertFineTuneTrainer(model: try TinyBert.make(), train: train, validation: val, settings: settings())
        let full = try whole.run()
        XCTAssertLessThan(full.epochs.last!.trainLoss, full.epochs.first!.trainLoss, "training loss falls")

        let dir = tempDir()
        var epochs = 0
        let first = BertFineTuneTrainer(model: try TinyBert.make(), train: train, validation: val, settings: settings(dir))
        _ = try first.run(shouldStop: { epochs += 1; return epochs == 1 })   // "crash" after epoch 0
        XCTAssertTrue(FileManager.default.fileExists(atPath: FineTuneCheckpoint.path(in: dir)))
        // Another seed for the fresh model: every value must come from the checkpoint.
        let second = BertFineTuneTrainer(model: try TinyBert.make(seed: 99), train: train, validation: val,
                                         settings: settings(dir, resume: true))
        var resumedAfter: Int?
        let resumed = try second.run(progress: { if case .resumed(let n) = $0 { resumedAfter = n } })
        XCTAssertEqual(resumedAfter, 1)
        XCTAssertEqual(resumed.epochs, full.epochs.map { var e = $0; e.seconds = resumed.epochs[e.epoch].seconds; return e },
                       "the same history")
        for (a, b) in zip(whole.model.tensors, second.model.tensors) {
            XCTAssertEqual(a.key, b.key)
            XCTAssertEqual(a.value, b.value, "\(a.key) differs after resuming")
            XCTAssertEqual(a.optimizerState.first, b.optimizerState.first, "\(a.key) optimizer state")
        }
    }

    func testCheckpointOfADivergedEpochIsWrittenAndRead() throws {
        let dir = tempDir()
        let history = [EpochRecord(epoch: 0, trainLoss: .nan, valLoss: .infinity, valTop1: 0.1, lr: 3e-3, seconds: 1)]
        let state = FineTuneCheckpoint(epochsDone: 1, step: 3, seed: 7, config: "lr=0.003", history: history,
                                       bestValLoss: .infinity, bestEpoch: -1, badEpochs: 1)
        try state.write(try TinyBert.make(), dir: dir)
        let back = try FineTuneCheckpoint.read(dir: dir, into: try TinyBert.make())
        XCTAssertTrue(back.history[0].trainLoss.isNaN)
        XCTAssertEqual(back.history[0].valLoss, .infinity)
        XCTAssertEqual(back.history[0].valTop1, 0.1)
    }

    func testResumeRefusesOtherSettingsNamingThem() throws {
        let train = TinyBert.split(count: 12, seed: 1), val = TinyBert.split(count: 6, seed: 2)
        let dir = tempDir()
        _ = try BertFineTuneTrainer(model: try TinyBert.make(), train: train, validation: val, settings: settings(dir))
            .run(shouldStop: { true })
        let other = settings(dir, resume: true, config: "lr=0.01\nbatch=10")
        XCTAssertThrowsError(try BertFineTuneTrainer(model: try TinyBert.make(), train: train, validation: val, settings: other).run()) {
            let text = "\($0)"
            XCTAssertTrue(text.contains("other settings") && text.contains("lr=0.003 (now 0.01)") && !text.contains("batch"), text)
        }
    }

    func testResumeRefusesAnotherModelShape() throws {
        let train = TinyBert.split(count: 12, seed: 1), val = TinyBert.split(count: 6, seed: 2)
        let dir = tempDir()
        _ = try BertFineTuneTrainer(model: try TinyBert.make(), train: train, validation: val, settings: settings(dir))
            .run(shouldStop: { true })
        // The same keys, another classifier width: the checkpoint names the tensor and both shapes.
        let wide = try TinyBert.make()
        let model = BertFineTuneModel(layers: wide.layers, classifier: TrainableClassifier(inFeatures: TinyBert.channels, classes: 4, seed: 1),
                                      normalize: false)
        XCTAssertThrowsError(try FineTuneCheckpoint.read(dir: dir, into: model)) {
            XCTAssertTrue("\($0)".contains("_fc.weight is [3, 8], the model expects [4, 8]"), "\($0)")
        }
    }
}
