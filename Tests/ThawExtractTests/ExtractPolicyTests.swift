import Foundation
import ThawAssets
import ThawExtract
import ThawInputs
import ThawStore
import XCTest

/// Manifest mismatches are refused; unreadable files are skipped as placeholders or stop the run.
final class ExtractPolicyTests: XCTestCase {
    private func fashion() throws -> ExtractInput {
        .images(try ExtractTestSupport.fashionMNIST(), preset: .imagenet(resize: 32, crop: 32))
    }

    private func open(_ input: ExtractInput, _ options: ExtractOptions, weights: String = "tiny-seed-42", at path: String) throws -> CacheWriter {
        let e = try Extractor(backbone: TinyConvNet(), weightsSHA256: weights, input: input, options: options, toolVersion: "test")
        return try CacheWriter.open(at: path, manifest: e.manifest, initialMapSize: 1 << 24)
    }

    func testDifferentTapsWeightsOrPresetAreRefused() throws {
        let path = try ExtractTestSupport.temporaryDirectory(self) + "/c"
        try ExtractTestSupport.extract(try fashion(), ExtractTestSupport.options(batch: 16, limit: 8, taps: ["pool"]), into: path)
        func refusal(_ body: () throws -> CacheWriter) -> String {
            do { _ = try body(); return "" } catch { return String(describing: error) }
        }
        let taps = refusal { try open(try fashion(), ExtractTestSupport.options(batch: 16, limit: 8, taps: ["conv2", "pool"]), at: path) }
        XCTAssertTrue(taps.contains("taps"), taps)
        let weights = refusal { try open(try fashion(), ExtractTestSupport.options(batch: 16, limit: 8, taps: ["pool"]), weights: "other", at: path) }
        XCTAssertTrue(weights.contains("weightsSHA256"), weights)
        let preset = refusal { try open(.images(try ExtractTestSupport.fashionMNIST(), preset: .imagenet(resize: 40, crop: 32)),
                                        ExtractTestSupport.options(batch: 16, limit: 8, taps: ["pool"]), at: path) }
        XCTAssertTrue(preset.contains("preprocessing"), preset)
        let limit = refusal { try open(try fashion(), ExtractTestSupport.options(batch: 16, limit: 9, taps: ["pool"]), at: path) }
        XCTAssertTrue(limit.contains("dataFingerprint"), limit)
        // The same settings reopen fine and find nothing to do.
        let again = try ExtractTestSupport.extract(try fashion(), ExtractTestSupport.options(batch: 3, limit: 8, taps: ["pool"]), into: path)
        XCTAssertEqual(again.samplesProcessed, 0)
        XCTAssertTrue(again.complete)
    }

    func testUnknownTapIsAnError() throws {
        XCTAssertThrowsError(try Extractor(backbone: TinyConvNet(), weightsSHA256: "x", input: try fashion(),
                                           options: ExtractTestSupport.options(batch: 4, taps: ["conv9"]), toolVersion: "test")) {
            XCTAssertTrue(String(describing: $0).contains("conv1, conv2, pool"), String(describing: $0))
        }
    }

    func testRepeatedTapIsAnError() throws {
        XCTAssertThrowsError(try Extractor(backbone: TinyConvNet(), weightsSHA256: "x", input: try fashion(),
                                           options: ExtractTestSupport.options(batch: 4, taps: ["pool", "conv2", "pool"]), toolVersion: "test")) {
            XCTAssertTrue(String(describing: $0).contains("tap pool is named more than once"), String(describing: $0))
        }
    }

    /// The real photos in class folders plus one corrupt PNG.
    private func photoFolder() throws -> String {
        let photos = AssetPaths.photosDirectory
        guard FileManager.default.fileExists(atPath: photos + "/chelsea.png") else {
            throw XCTSkip("photos are not installed: run scripts/deps.sh (make deps)")
        }
        let root = try ExtractTestSupport.temporaryDirectory(self) + "/photos"
        let layout = ["animal": ["chelsea.png", "dog.jpg", "eagle.jpg", "horses.jpg"], "object": ["coffee.png", "motorcycle_left.png", "astronaut.png"]]
        for (cls, files) in layout {
            try FileManager.default.createDirectory(atPath: root + "/" + cls, withIntermediateDirectories: true)
            for f in files { try FileManager.default.copyItem(atPath: photos + "/" + f, toPath: root + "/\(cls)/\(f)") }
        }
        var broken = [UInt8](try Data(contentsOf: URL(fileURLWithPath: photos + "/coffee.png")).prefix(300))
        broken[200] ^= 0xFF
        try Data(broken).write(to: URL(fileURLWithPath: root + "/object/broken.png"))
        return root
    }

    func testSkipStoresPlaceholderAndVerifies() throws {
        let root = try photoFolder()
        let input = ExtractInput.images(try ImageFolderSource(root: root), preset: .imagenet(resize: 64, crop: 56))
        let cache = try ExtractTestSupport.temporaryDirectory(self) + "/skip"
        let summary = try ExtractTestSupport.extract(input, ExtractTestSupport.options(batch: 4, limit: nil, onError: .skip), into: cache)
        XCTAssertTrue(summary.complete)
        XCTAssertEqual(summary.skipped.count, 1)
        XCTAssertTrue(summary.skipped.first?.reason.contains("broken.png") ?? false, "\(summary.skipped)")
        let reader = try CacheReader(path: cache)
        XCTAssertTrue(try reader.verify().ok)
        let all = try reader.samples(in: 0..<reader.manifest.sampleCount)
        XCTAssertEqual(all.count, 8)
        let placeholders = all.filter(\.isSkippedPlaceholder)
        XCTAssertEqual(placeholders.map(\.id), ["!skipped:object/broken.png"])
        XCTAssertEqual(placeholders.first?.label, -1)
        XCTAssertTrue(placeholders.first?.taps.allSatisfy { $0.allSatisfy { $0 == 0 } } ?? false)
        // Real photos give non-zero features.
        XCTAssertTrue(all.filter { !$0.id.hasPrefix("!") }.allSatisfy { $0.taps[1].contains { $0 != 0 } })
        // A resume finds nothing left, the skipped file included.
        let again = try ExtractTestSupport.extract(input, ExtractTestSupport.options(batch: 4, limit: nil, onError: .skip), into: cache)
        XCTAssertEqual(again.samplesProcessed, 0)
    }

    func testStopPolicyNamesTheFile() throws {
        let root = try photoFolder()
        let input = ExtractInput.images(try ImageFolderSource(root: root), preset: .imagenet(resize: 64, crop: 56))
        let cache = try ExtractTestSupport.temporaryDirectory(self) + "/stop"
        XCTAssertThrowsError(try ExtractTestSupport.extract(input, ExtractTestSupport.options(batch: 4, limit: nil), into: cache)) {
            XCTAssertTrue(String(describing: $0).contains("broken.png"), String(describing: $0))
        }
    }
}
