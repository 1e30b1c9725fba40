import Foundation
import ThawCore
@testable import ThawInputs
import XCTest

final class DecodePipelineTests: XCTestCase {
    private func fashion() throws -> IDXSource {
        _ = try Fixtures.require("\(Fixtures.fashion)/t10k-images-idx3-ubyte.gz", install: "apt-get install dataset-fashion-mnist")
        return try IDXSource.fashionMNIST()
    }

    func testOrderedBatchesEqualDirectPreprocessing() throws {
        let source = try fashion()
        let wanted = Array(source.samples[100..<203])
        let preset = Preprocessing.imagenet(resize: 32, crop: 32)
        let pipeline = DecodePipeline(source: source, samples: wanted, preprocessing: preset, batchSize: 10, depth: 3, workers: 2)
        var seen: [Sample] = [], pixels: [Float] = []
        while let batch = try pipeline.next() { seen += batch.samples; pixels += batch.pixels }
        XCTAssertEqual(seen, wanted)
        let direct = Preprocessor(preset)
        for k in [0, 57, 102] {
            let expected = direct.apply(try source.loadImage(wanted[k], decoder: ImageDecoder()))
            XCTAssertEqual(Array(pixels[(k * 3072)..<((k + 1) * 3072)]), expected)
        }
        XCTAssertNil(try pipeline.next())
    }

    /// Recycled buffers are filled again (one worker, one batch ahead) and hold exactly what fresh ones would.
    func testRecycledBuffersAreReusedAndOverwritten() throws {
        let source = try fashion()
        let wanted = Array(source.samples[0..<64])
        let preset = Preprocessing.imagenet(resize: 32, crop: 32)
        var fresh: [Float] = []
        let plain = DecodePipeline(source: source, samples: wanted, preprocessing: preset, batchSize: 8, depth: 1, workers: 1)
        while let batch = try plain.next() { fresh += batch.pixels }
        let recycling = DecodePipeline(source: source, samples: wanted, preprocessing: preset, batchSize: 8, depth: 1, workers: 1)
        var reused: [Float] = []
        while let batch = try recycling.next() {
            reused += batch.pixels
            recycling.recycle(batch)
        }
        XCTAssertEqual(reused, fresh)
        // How many of batches 1…7 find a buffer back depends on whether the worker claims batch b + 1 before or
        // after the consumer hands batch b back; some always do (never more than 7).
        XCTAssertTrue((1...7).contains(recycling.buffersReused), "\(recycling.buffersReused) batches reused a buffer")
        XCTAssertEqual(plain.buffersReused, 0)
    }

    func testSkipRecordsBadFilesAndStopThrows() throws {
        let folder = try Fixtures.temporaryFolder(self)
        try FileManager.default.createDirectory(atPath: folder + "/set/a", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try Fixtures.photo("dog.jpg"), toPath: folder + "/set/a/1.jpg")
        try Data().write(to: URL(fileURLWithPath: folder + "/set/a/2.jpg"))
        try FileManager.default.copyItem(atPath: try Fixtures.photo("coffee.png"), toPath: folder + "/set/a/3.png")
        try Data("GIF89a".utf8).write(to: URL(fileURLWithPath: folder + "/set/a/4.jpg"))
        let source = try ImageFolderSource(root: folder + "/set")

        let skipping = DecodePipeline(source: source, preprocessing: .imagenet, batchSize: 3, onError: .skip)
        var kept: [String] = []
        while let batch = try skipping.next() {
            XCTAssertEqual(batch.pixels.count, batch.samples.count * 224 * 224 * 3)
            kept += batch.samples.map(\.id)
        }
        XCTAssertEqual(kept, ["a/1.jpg", "a/3.png"])
        XCTAssertEqual(skipping.skipped.entries.map(\.index), [1, 3])
        XCTAssert(skipping.skipped.entries[0].error.problem.contains("empty"))
        XCTAssert(skipping.skipped.entries[1].error.problem.contains("GIF"))

        let stopping = DecodePipeline(source: source, preprocessing: .imagenet, batchSize: 1, onError: .stop)
        XCTAssertEqual(try stopping.next()?.samples.map(\.id), ["a/1.jpg"])
        XCTAssertThrowsError(try stopping.next()) { XCTAssert(($0 as? FileError)?.file.hasSuffix("a/2.jpg") == true) }
        XCTAssertNil(try stopping.next())
    }

    func testCancelAndEarlyDropStopTheWorkers() throws {
        let source = try fashion()
        let pipeline = DecodePipeline(source: source, preprocessing: .imagenet(resize: 28, crop: 28), batchSize: 64, depth: 2)
        XCTAssertEqual(try pipeline.next()?.samples.count, 64)
        pipeline.cancel()
        var after = 0
        while let batch = try pipeline.next() { after += batch.samples.count }
        XCTAssertLessThanOrEqual(after, 2 * 64)   // at most `depth` batches were ahead

        weak var dropped: DecodePipeline?
        do {
            let p = DecodePipeline(source: source, preprocessing: .imagenet(resize: 28, crop: 28), batchSize: 64, depth: 2)
            _ = try p.next()
            dropped = p
        }
        XCTAssertNil(dropped)
    }
}
