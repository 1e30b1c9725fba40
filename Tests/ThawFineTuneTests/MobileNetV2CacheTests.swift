import Foundation
import ThawAssets
import ThawBackbones
import ThawCore
import ThawExtract
import ThawFit
import ThawInputs
import ThawKernels
import ThawStore
import XCTest

/// End to end on real data with MobileNetV2's real weights: Fashion-MNIST (64×64 to keep the debug
/// build quick) extracted with the default taps (`features.14` + `pool`), verified, the cached pool
/// equal to the network run on from the cached map, and a linear head fitted on `pool`.
final class MobileNetV2CacheTests: XCTestCase {
    func testExtractDefaultTapsThenFit() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder + "/t10k-images-idx3-ubyte.gz") else {
            return XCTFail("Fashion-MNIST missing. Fix: apt-get install dataset-fashion-mnist")
        }
        let asset = try XCTUnwrap(KnownAsset.named("mobilenet-v2"))
        guard let weights = asset.find() else { return XCTFail("MobileNetV2 weights missing. Fix: \(asset.installCommand)") }
        let dir = NSTemporaryDirectory() + "thaw-mobilenet-v2-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/fm"
        let backbone = try MobileNetV2(weightsPath: weights)
        let taps = DefaultTaps.of(backbone)
        XCTAssertEqual(taps, ["features.14", "pool"])
        let extractor = try Extractor(backbone: backbone, weightsSHA256: try SHA256.hex(ofFile: weights),
                                      input: .images(try IDXSource.fashionMNIST(folder: folder), preset: .imagenet(resize: 73, crop: 64)),
                                      options: ExtractOptions(taps: taps, dtype: .f32, limit: 60), toolVersion: "test")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        _ = try extractor.run(into: try CacheWriter.open(at: cache, manifest: extractor.manifest))

        let reader = try CacheReader(path: cache)
        let m = reader.manifest
        XCTAssertEqual(m.backbone, "mobilenet-v2")
        XCTAssertEqual(m.taps.map(\.name), ["features.14", "pool"])
        XCTAssertEqual(m.taps.map(\.shape), [[2, 2, 160], [1280]])       // 64 → 32 → 16 → 8 → 4 → 2
        XCTAssertEqual(m.sampleCount, 120)
        let report = try reader.verify()
        XCTAssertTrue(report.ok, report.summary)

        // The stored pool is the network run on from the stored map (f32: float noise only).
        for index in [0, 77] {
            let s = try XCTUnwrap(try reader.sample(at: index))
            let map = Activations(tensor: Tensor(shape: [1, 2, 2, 160], data: s.taps[0]))
            let pool = try XCTUnwrap(try backbone.forward(map, from: "features.14", taps: ["pool"])["pool"]).tensor.data
            let scale = s.taps[1].map(abs).max()!
            let worst = zip(pool, s.taps[1]).map { abs($0 - $1) }.max()!
            XCTAssertTrue(worst <= 1e-5 * scale, "sample \(index): pool from features.14 differs by \(worst) (scale \(scale))")
        }

        var q = FitRequest(cache: cache, tap: "pool")
        q.epochs = 30; q.lr = 3e-3
        let fit = try FitRun.run(q)
        let test = try XCTUnwrap(fit.test)
        print(String(format: "mobilenet-v2 pool, 60 train / 60 test Fashion-MNIST at 64×64: test top-1 %.1f%%", 100 * test.top1))
        XCTAssertGreaterThan(test.top1, 0.4, "a linear head on real MobileNetV2 features is well above chance (0.1)")
    }
}
