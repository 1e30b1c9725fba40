import Foundation
import ThawFineTune
import ThawHeads
import XCTest

final class FineTuneTrainerTests: XCTestCase {
    func settings(_ dir: String? = nil, resume: Bool = false, bn: BatchNormPolicy = .frozen) -> FineTuneSettings {
        FineTuneSettings(epochs: 3, step: FineTuneStep(optimizer: .adamwDefault, lr: 3e-3, layerDecay: 0.8, weightDecay: 0.01, clipNorm: 1),
                         batchNorm: bn, batch: 16, chunk: 6, seed: 11, checkpointDir: dir, resume: resume, config: "tiny")
    }

    func tempDir() -> String {
        let d = NSTemporaryDirectory() + "thaw-finetune-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        return d
    }

    func testLearnsSeparableMaps() throws {
        for bn in BatchNormPolicy.allCases {
            let train = try TinyModel.data(count: 96, seed: 1), val = try TinyModel.data(count: 30, seed: 2)
            let t = FineTuneTrainer(model: try TinyModel.make(), train: train, validation: val, settings: settings(bn: bn))
            let before = t.evaluate(val)
            let out = try t.run()
            XCTAssertEqual(out.epochs.count, 3)
            XCTAssertLessThan(out.epochs.last!.valLoss!, before.loss, "\(bn): validation loss must fall")
            XCTAssertLessThan(out.epochs.last!.trainLoss, out.epochs.first!.trainLoss + 1e-9, "\(bn): training loss must fall")
        }
    }

    func testResumeEqualsUninterruptedRun() throws {
        let train = try TinyModel.data(count: 40, seed: 1), val = try TinyModel.data(count: 12, seed: 2)
        for bn in [BatchNormPolicy.train, .recalibrate] {
            let whole = FineTuneTrainer(model: try TinyModel.make(), train: train, validation: val, settings: settings(bn: bn))
            let full = try whole.run()
            let dir = tempDir()
            var epochs = 0
            let first = FineTuneTrainer(model: try TinyModel.make(), train: train, validation: val, settings: settings(dir, bn: bn))
            _ = try first.run(shouldStop: { epochs += 1; return epochs == 1 })   // "crash" after epoch 0
            let second = FineTuneTrainer(model: try TinyModel.make(seed: 99), train: train, validation: val,
                                         settings: settings(dir, resume: true, bn: bn))
            let resumed = try second.run()
            XCTAssertEqual(resumed.epochs, full.epochs.map { var e = $0; e.seconds = resumed.epochs[e.epoch].seconds; return e },
                           "\(bn): the same history")
            for (a, b) in zip(whole.model.tensors, second.model.tensors) {
                XCTAssertEqual(a.value, b.value, "\(bn): \(a.key) differs after resuming")
            }
        }
    }

    func testResumeRefusesOtherSettings() throws {
        let train = try TinyModel.data(count: 20, seed: 1), val = try TinyModel.data(count: 6, seed: 2)
        let dir = tempDir()
        _ = try FineTuneTrainer(model: try TinyModel.make(), train: train, validation: val, settings: settings(dir)).run(shouldStop: { true })
        var other = settings(dir, resume: true)
        other.config = "tiny lr=1"
        XCTAssertThrowsError(try FineTuneTrainer(model: try TinyModel.make(), train: train, validation: val, settings: other).run()) {
            XCTAssertTrue("\($0)".contains("other settings"), "\($0)")
        }
    }

    func testEarlyStopAtFirstEpochWithoutImprovement() throws {
        let train = try TinyModel.data(count: 48, seed: 1), val = try TinyModel.data(count: 12, seed: 2)
        var s = settings()
        s.epochs = 8
        s.earlyStop = 1
        s.step = FineTuneStep(optimizer: .sgd(momentum: 0.9, nesterov: false), lr: 0.5, clipNorm: nil)
        let out = try FineTuneTrainer(model: try TinyModel.make(), train: train, validation: val, settings: s).run()
        var best = Double.infinity, firstWorse: Int?
        for e in out.epochs {
            if e.valLoss! < best { best = e.valLoss! } else if firstWorse == nil { firstWorse = e.epoch }
        }
        XCTAssertTrue(out.stoppedEarly, "lr 0.5 should overshoot within 8 epochs: \(out.epochs.map(\.valLoss))")
        XCTAssertEqual(out.epochs.count, (firstWorse ?? 7) + 1, "stops right after the first epoch without a lower val loss")
        XCTAssertEqual(out.epochs[out.bestEpoch].valLoss, best)
    }
}
