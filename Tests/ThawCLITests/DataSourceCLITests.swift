import Foundation
import XCTest

/// `thaw extract` over hostile or awkward data sources, end to end (EfficientNet-Lite0 at 32×32 on
/// two real photos, about 7 s each in a debug build).
final class DataSourceCLITests: XCTestCase {
    private let photos = "/usr/local/share/thaw/photos"
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "thaw-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/set/cats", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/set/dogs", withIntermediateDirectories: true)
        addTeardownBlock { [folder] in try? FileManager.default.removeItem(atPath: folder) }
        for photo in ["chelsea.png", "dog.jpg"] where !FileManager.default.fileExists(atPath: "\(photos)/\(photo)") {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(photos)/\(photo) (install with scripts/deps.sh)"])
        }
        try FileManager.default.copyItem(atPath: "\(photos)/chelsea.png", toPath: folder + "/set/cats/chelsea.png")
        try FileManager.default.copyItem(atPath: "\(photos)/dog.jpg", toPath: folder + "/set/dogs/dog.jpg")
    }

    private func extract(_ data: String) throws -> ThawBinary.Result {
        try ThawBinary.run(["extract", "--model", "efficientnet-lite0", "--data", data, "--cache", "c", "--image-size", "32", "--tap", "pool"],
                           in: folder)
    }

    func testFolderWithTwoLinkLoopsExtractsEachImageOnce() throws {
        try FileManager.default.createSymbolicLink(atPath: folder + "/set/cats/up", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: folder + "/set/dogs/self", withDestinationPath: ".")
        let start = Date()
        let r = try extract("set")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 120)
        XCTAssertTrue(r.stdout.contains("extracted 2 samples"), r.stdout)
        XCTAssertTrue(r.stderr.contains("2 folder link(s) not followed") && r.stderr.contains("cats/up → ."), r.stderr)
    }

    /// `thaw cache export` on the cache just made: never into the cache, `.npy` added to a bare name.
    func testCacheExportRefusesTheCacheFolderAndAddsNpy() throws {
        XCTAssertEqual(try extract("set").status, 0)
        let mdb = try Data(contentsOf: URL(fileURLWithPath: folder + "/c/data.mdb"))
        for target in ["c/data.mdb", "c/x.npy", "./c/../c/lock.mdb"] {
            let r = try ThawBinary.run(["cache", "export", "c", "--tap", "pool", "-o", target], in: folder)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("inside the cache folder"), r.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/c/data.mdb")), mdb)
        let r = try ThawBinary.run(["cache", "export", "c", "--tap", "pool", "-o", "out/pool"], in: folder)
        XCTAssertEqual(r.status, 1, "the folder out/ does not exist yet: \(r.stdout)")
        XCTAssertTrue(r.stderr.contains("out/pool.npy"), r.stderr)
        try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
        let ok = try ThawBinary.run(["cache", "export", "c", "--tap", "pool", "-o", "out/pool"], in: folder)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/out").sorted(), ["pool.labels.npy", "pool.npy"])
    }

    func testManifestGivenByARelativePath() throws {
        try Data("path,label\n../set/cats/chelsea.png,cat\n../set/dogs/dog.jpg,dog\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/sub/m.csv", isDirectory: false).creatingFolder())
        let r = try extract("sub/m.csv")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("extracted 2 samples"), r.stdout)
    }
}

extension DataSourceCLITests {
    /// A manifest row naming a missing image: `--on-error skip` skips it and says so; `stop` names it.
    func testManifestWithAMissingFileUnderOnErrorSkip() throws {
        try Data("path,label\nset/cats/chelsea.png,cat\nset/dogs/gone.jpg,dog\nset/dogs/dog.jpg,dog\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/m.csv"))
        let stop = try extract("m.csv")
        XCTAssertEqual(stop.status, 1, stop.stdout)
        XCTAssertTrue(stop.stderr.contains("gone.jpg"), stop.stderr)
        let skip = try ThawBinary.run(["extract", "--model", "efficientnet-lite0", "--data", "m.csv", "--cache", "s", "--image-size", "32",
                                       "--tap", "pool", "--on-error", "skip"], in: folder)
        XCTAssertEqual(skip.status, 0, skip.stderr)
        XCTAssertTrue(skip.stdout.contains("skipped") && skip.stdout.contains("gone.jpg"), skip.stdout)
    }
}

private extension URL {
    /// Creates the file's folder; returns the URL.
    func creatingFolder() throws -> URL {
        try FileManager.default.createDirectory(at: deletingLastPathComponent(), withIntermediateDirectories: true)
        return self
    }
}
