import Foundation
import XCTest
@testable import ThawStore

final class ExportTests: XCTestCase {
    func testExportWritesNumpyFilesAndInfoCounts() throws {
        let path = temporaryCachePath()
        _ = try writeSamples(path, testManifest(count: 20), 0..<20)
        let r = try CacheReader(path: path)
        let dir = (path as NSString).deletingLastPathComponent
        let result = try r.export(tap: "map", to: dir + "/map.npy", labelsTo: dir + "/labels.npy", split: "val")
        XCTAssertEqual(result.shape, [4, 3, 3, 8])
        let (shape, data) = try readNPY(dir + "/map.npy")
        XCTAssertEqual(shape, [4, 3, 3, 8])
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(Array(values.prefix(72)), try XCTUnwrap(r.sample(at: 0)).taps[1])
        let (lshape, labels) = try readNPY(dir + "/labels.npy")
        XCTAssertEqual(lshape, [4])
        XCTAssertEqual(labels.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }, [0, 2, 1, 0])

        let info = try r.info()
        XCTAssertEqual(info.records, 20)
        XCTAssertEqual(info.recordsPerSplit, ["train": 16, "val": 4])
        XCTAssertEqual(info.tapBytes.map(\.bytesPerRecord), [128, 144, 80])
        XCTAssertTrue(info.complete)
        XCTAssertGreaterThan(info.fileBytes, 0)
    }
}

/// `export` never writes inside a cache, never leaves a partial file at the final name, and
/// refuses an unfinished cache unless asked.
final class ExportSafetyTests: XCTestCase {
    private func storeError(_ body: () throws -> Void) -> String {
        do { try body() } catch let e as StoreError { return e.description } catch { XCTFail("not a StoreError: \(error)"); return "" }
        XCTFail("nothing thrown")
        return ""
    }

    func testOutputInsideACacheIsRefusedAndTheCacheSurvives() throws {
        let path = temporaryCachePath()
        _ = try writeSamples(path, testManifest(count: 20), 0..<20)
        let r = try CacheReader(path: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        let dir = (path as NSString).deletingLastPathComponent
        for target in [path + "/data.mdb", path + "/x.npy", path + "/../cache/sub/x.npy"] {
            XCTAssertTrue(storeError { _ = try r.export(tap: "map", to: target, labelsTo: dir + "/l.npy") }.contains("inside the cache folder"), target)
            XCTAssertTrue(storeError { _ = try r.export(tap: "map", to: dir + "/m.npy", labelsTo: target) }.contains("inside the cache folder"), target)
        }
        // Through a link to the cache folder.
        try FileManager.default.createSymbolicLink(atPath: dir + "/alias", withDestinationPath: path)
        XCTAssertTrue(storeError { _ = try r.export(tap: "map", to: dir + "/alias/data.mdb", labelsTo: dir + "/l.npy") }.contains("inside the cache"))
        // Into another cache's folder.
        let other = temporaryCachePath("other")
        _ = try writeSamples(other, testManifest(count: 4), 0..<4)
        XCTAssertTrue(storeError { _ = try r.export(tap: "map", to: other + "/data.mdb", labelsTo: dir + "/l.npy") }.contains("inside the cache"))
        XCTAssertTrue(storeError { _ = try r.export(tap: "map", to: dir + "/same.npy", labelsTo: dir + "/same.npy") }.contains("both"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")), before)
        XCTAssertTrue(try CacheReader(path: path).verify().ok)
    }

    func testIncompleteCacheNeedsAllowIncomplete() throws {
        let path = temporaryCachePath()
        _ = try writeSamples(path, testManifest(count: 20), 0..<12)
        let r = try CacheReader(path: path)
        let dir = (path as NSString).deletingLastPathComponent
        XCTAssertTrue(storeError { _ = try r.export(tap: "map", to: dir + "/m.npy", labelsTo: dir + "/l.npy") }
            .contains("has not finished (12 of 20 records)"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/m.npy"))
        XCTAssertEqual(try r.export(tap: "map", to: dir + "/m.npy", labelsTo: dir + "/l.npy", allowIncomplete: true).rows, 12)
    }

    func testFilesAppearOnlyWhenComplete() throws {
        let dir = temporaryCachePath("npy")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/a.npy"
        try Data("old".utf8).write(to: URL(fileURLWithPath: file))
        let writer = try NPYWriter(path: file, descr: "<f4", itemSize: 4, shape: [2])
        var one: Float = 1
        try withUnsafeBytes(of: &one) { try writer.write($0) }
        // Half written: the old file is untouched and the partial one is hidden beside it.
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "old")
        try withUnsafeBytes(of: &one) { try writer.write($0) }
        try writer.close()
        XCTAssertEqual(try readNPY(file).shape, [2])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a.npy"])
        // An abandoned writer removes its partial file.
        do { _ = try NPYWriter(path: dir + "/b.npy", descr: "<f4", itemSize: 4, shape: [3]) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a.npy"])
    }
}
