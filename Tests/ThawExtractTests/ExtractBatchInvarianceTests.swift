import Foundation
import ThawAssets
import ThawBackbones
import ThawExtract
import ThawInputs
import ThawKernels
import ThawStore
import XCTest

/// A backbone that computes each sample alone runs a whole decode batch per forward (`Extractor.forwardSamples`);
/// its records must equal those of forwards of one 16-sample block (real EfficientNet-Lite0 weights,
/// Fashion-MNIST at 64×64 so the debug build stays quick).
final class ExtractBatchInvarianceTests: XCTestCase {
    private static func lite0() throws -> EfficientNetLite {
        let asset = try XCTUnwrap(KnownAsset.named("efficientnet-lite0"))
        let path = try XCTUnwrap(asset.find(), "EfficientNet-Lite0 weights missing: \(asset.installCommand)")
        return try EfficientNetLite(variant: 0, weightsPath: path)
    }

    private func extractor(_ lite0: EfficientNetLite, batch: Int, taps: [String] = ["pool", "blocks.11", "stem"]) throws -> Extractor {
        let input = ExtractInput.images(try ExtractTestSupport.fashionMNIST(), preset: .imagenet(resize: 64, crop: 64))
        return try Extractor(backbone: lite0, weightsSHA256: "lite0", input: input,
                             options: ExtractTestSupport.options(batch: batch, limit: 25, taps: taps), toolVersion: "test")
    }

    /// 50 samples (3 whole blocks and a short one): forwards of 16 vs one forward of 64 vs forwards of 32.
    func testLite0ForwardsOfSeveralBlocksWriteTheSameRecords() throws {
        let lite0 = try Self.lite0()
        let dir = try ExtractTestSupport.temporaryDirectory(self)
        for (batch, name) in [(16, "b16"), (64, "b64"), (20, "b20")] {
            let e = try extractor(lite0, batch: batch)
            // With the packed kernels (AVX-512 or AVX2) Lite0 computes each sample alone: batch 20 runs forwards of 32.
            XCTAssertEqual(e.forwardSamples, VectorISA.packedKernels ? (batch + 15) / 16 * 16 : 16, "batch \(batch)")
            let writer = try CacheWriter.open(at: dir + "/" + name, manifest: e.manifest, batchSize: 32, initialMapSize: 1 << 26)
            let summary = try e.run(into: writer)
            XCTAssertTrue(summary.complete)
            XCTAssertEqual(summary.recordsCommitted, 50)
        }
        try ExtractTestSupport.assertSameRecords(dir + "/b16", dir + "/b64")
        try ExtractTestSupport.assertSameRecords(dir + "/b16", dir + "/b20")
    }

    /// `fc` is one sgemm above a few rows: a tap there keeps forwards of one block.
    func testFcTapKeepsForwardsOfOneBlock() throws {
        let lite0 = try Self.lite0()
        XCTAssertEqual(try extractor(lite0, batch: 64, taps: ["pool", "fc"]).forwardSamples, Extractor.forwardBlock)
        XCTAssertEqual(lite0.computesSamplesAlone(taps: ["pool", "blocks.11"]), VectorISA.packedKernels)
        XCTAssertFalse(lite0.computesSamplesAlone(taps: ["no-such-tap"]))
    }
}
