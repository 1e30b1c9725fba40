import Foundation
import ThawAssets
import ThawExtract
import ThawInputs
import ThawStore
import ThawText
import XCTest

/// Text through the extractor: BBC News articles, the all-MiniLM WordPiece vocabulary, a small
/// embedding backbone; fixed padding keeps shapes and bytes independent of the batch.
final class ExtractTextTests: XCTestCase {
    private func input(latin1: Bool = true) throws -> ExtractInput {
        guard let bbc = KnownAsset.named("bbc-news")!.find() else {
            throw XCTSkip("BBC News is not installed: \(KnownAsset.named("bbc-news")!.installCommand)")
        }
        guard let weights = KnownAsset.named("all-minilm-l6-v2")!.find() else {
            throw XCTSkip("all-MiniLM-L6-v2 (its vocab.txt) is not installed: \(KnownAsset.named("all-minilm-l6-v2")!.installCommand)")
        }
        let tokenizer = try BertTokenizer(modelDirectory: URL(fileURLWithPath: weights).deletingLastPathComponent(), maxLength: 32)
        return .text(try TextFolderSource(root: bbc, latin1Fallback: latin1), tokenizer: tokenizer)
    }

    private func extract(_ input: ExtractInput, batch: Int, limit: Int?, onError: OnError = .stop, into path: String,
                         stopAfter: Int? = nil) throws -> ExtractSummary {
        let options = ExtractOptions(taps: ["embed", "pool"], dtype: .f32, batchSize: batch, onError: onError, limit: limit)
        let e = try Extractor(backbone: TinyTextNet(), weightsSHA256: "tiny-text", input: input, options: options, toolVersion: "test")
        XCTAssertEqual(e.manifest.taps.map(\.shape), [[32, 8], [8]])
        XCTAssertEqual(e.manifest.taps.map(\.layout), ["TC", "C"])
        XCTAssertTrue(e.manifest.preprocessing.contains("\"maxLength\":\"32\""), e.manifest.preprocessing)
        let writer = try CacheWriter.open(at: path, manifest: e.manifest, batchSize: 7, initialMapSize: 1 << 24)
        var blocks = 0
        return try e.run(into: writer, shouldStop: { blocks += 1; return stopAfter.map { blocks >= $0 } ?? false })
    }

    func testBatchAndResumeGiveTheSameBytes() throws {
        let dir = try ExtractTestSupport.temporaryDirectory(self)
        let a = try extract(try input(), batch: 16, limit: 12, into: dir + "/a")
        XCTAssertTrue(a.complete)
        XCTAssertEqual(a.recordsCommitted, 36)   // 12 per split, splits assigned 80/10/10
        _ = try extract(try input(), batch: 5, limit: 12, into: dir + "/b", stopAfter: 1)
        let b = try extract(try input(), batch: 3, limit: 12, into: dir + "/b")
        XCTAssertEqual(b.samplesProcessed, 20)
        try ExtractTestSupport.assertSameRecords(dir + "/a", dir + "/b")
        let reader = try CacheReader(path: dir + "/a")
        XCTAssertTrue(try reader.verify().ok)
        XCTAssertEqual(reader.manifest.labelNames, ["business", "entertainment", "politics", "sports", "tech"])
    }

    /// sports/199.txt is not valid UTF-8: without the Latin-1 fallback it is skipped (placeholder).
    func testInvalidUTF8ArticleIsSkipped() throws {
        let dir = try ExtractTestSupport.temporaryDirectory(self)
        let s = try extract(try input(latin1: false), batch: 64, limit: nil, onError: .skip, into: dir + "/all")
        XCTAssertTrue(s.complete)
        XCTAssertEqual(s.recordsCommitted, 2225)
        XCTAssertEqual(s.skipped.map(\.id), ["sports/199.txt"])
        XCTAssertTrue(try CacheReader(path: dir + "/all").verify().ok)
    }
}
