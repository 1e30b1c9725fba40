import Foundation
import XCTest

/// The real caches a CLI test class runs on, extracted once per class through the binary:
/// Fashion-MNIST through EfficientNet-Lite0 and BBC News through all-MiniLM-L6-v2, `--limit` per split.
struct FixtureCaches {
    var dir = "", images = "", texts = ""
    /// The image extraction's output (its summary lines are part of what some tests check).
    var imageExtract: ThawBinary.Result?

    static func extract(_ name: String, imagesPerSplit: Int, textsPerSplit: Int) -> FixtureCaches {
        var c = FixtureCaches()
        c.dir = NSTemporaryDirectory() + "thaw-\(name)-\(getpid())"
        try? FileManager.default.createDirectory(atPath: c.dir, withIntermediateDirectories: true)
        c.images = c.dir + "/fm"
        c.texts = c.dir + "/bbc"
        guard let thaw = try? ThawBinary.find() else { return c }
        c.imageExtract = try? thaw.run(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist",
                                        "--limit", String(imagesPerSplit), "--cache", c.images])
        _ = try? thaw.run(["extract", "--model", "all-minilm-l6-v2", "--data", "bbc-news", "--limit", String(textsPerSplit), "--cache", c.texts])
        return c
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// A missing binary or cache fails the test (never a skip).
    func require(file: StaticString = #filePath, line: UInt = #line) throws {
        _ = try ThawBinary.find()
        for cache in [images, texts] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: cache + "/data.mdb"),
                          "the fixture cache \(cache) was not extracted: are the EfficientNet-Lite0 / MiniLM weights and the data sets installed (scripts/deps.sh)?",
                          file: file, line: line)
        }
    }
}
