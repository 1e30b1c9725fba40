import Foundation
import ThawExtract
import ThawInputs
import ThawStore
import XCTest

/// Helpers shared by the extractor tests: temporary caches, real data, raw record dumps.
enum ExtractTestSupport {
    static let fashionFolder = "/usr/share/datasets/fashion-mnist"

    /// A fresh directory under the temporary folder, removed at the end of the test.
    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let dir = NSTemporaryDirectory() + "thaw-extract-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    static func fashionMNIST() throws -> IDXSource {
        guard FileManager.default.fileExists(atPath: fashionFolder + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist")
        }
        return try IDXSource.fashionMNIST(folder: fashionFolder)
    }

    static func options(batch: Int, limit: Int? = 120, shard: ShardSpec = .whole, views: Int = 0,
                        onError: OnError = .stop, taps: [String] = ["conv2", "pool"]) -> ExtractOptions {
        ExtractOptions(taps: taps, dtype: .f16, batchSize: batch, shard: shard, augmentedViews: views,
                       onError: onError, limit: limit, decodeWorkers: 2)
    }

    /// Extracts into `path`; `stopAfter` forward batches, if given, requests a stop.
    @discardableResult
    static func extract(_ input: ExtractInput, _ options: ExtractOptions, into path: String, commitEvery: Int = 32,
                        stopAfter: Int? = nil) throws -> ExtractSummary {
        let extractor = try Extractor(backbone: TinyConvNet(), weightsSHA256: "tiny-seed-42", input: input,
                                      options: options, toolVersion: "test")
        let writer = try CacheWriter.open(at: path, manifest: extractor.manifest, batchSize: commitEvery, initialMapSize: 1 << 24)
        var batches = 0
        return try extractor.run(into: writer, shouldStop: {
            batches += 1
            return stopAfter.map { batches >= $0 } ?? false
        })
    }

    /// Every (key, value) of the records database, raw, in key order.
    static func records(_ path: String) throws -> [(CacheKey, [UInt8])] {
        let reader = try CacheReader(path: path)
        var out: [(CacheKey, [UInt8])] = []
        let withViews = reader.manifest.views > 1
        for i in 0..<reader.manifest.sampleCount {
            for v in 0..<reader.manifest.views {
                if let s = try reader.sample(at: i, view: v) {
                    out.append((s.key, Record.encode(s, manifest: reader.manifest)))
                }
            }
        }
        _ = withViews
        return out
    }

    /// Fails with the first differing record.
    static func assertSameRecords(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let ra = try records(a), rb = try records(b)
        XCTAssertEqual(ra.count, rb.count, "record counts differ", file: file, line: line)
        for (x, y) in zip(ra, rb) where x.0 != y.0 || x.1 != y.1 {
            // The worst element over all taps, decoded.
            let sa = try XCTUnwrap(CacheReader(path: a).sample(at: x.0.index, view: x.0.view))
            let sb = try XCTUnwrap(CacheReader(path: b).sample(at: y.0.index, view: y.0.view))
            var worst = (tap: -1, element: -1, a: Float(0), b: Float(0))
            for (t, (ta, tb)) in zip(sa.taps, sb.taps).enumerated() {
                for (e, (u, v)) in zip(ta, tb).enumerated() where abs(u - v) > abs(worst.a - worst.b) { worst = (t, e, u, v) }
            }
            XCTFail("first differing record: \(x.0) vs \(y.0) (\(x.1.count) vs \(y.1.count) bytes); ids \(sa.id) / \(sb.id), "
                    + "labels \(sa.label) / \(sb.label); worst element tap \(worst.tap)[\(worst.element)]: \(worst.a) vs \(worst.b)",
                    file: file, line: line)
            return
        }
    }
}
