import Foundation
import XCTest
@testable import ThawStore

/// A cache path that is empty, a file, or under a file is a clear StoreError, not a raw Foundation error.
final class CachePathTests: XCTestCase {
    private func storeError(_ body: () throws -> Void) -> String {
        do { try body() } catch let e as StoreError { return e.description } catch { XCTFail("not a StoreError: \(error)"); return "" }
        XCTFail("nothing thrown")
        return ""
    }

    func testEmptyFileAndUnderAFile() throws {
        let dir = temporaryCachePath("files")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/notes.txt"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertTrue(storeError { _ = try CacheReader(path: "") }.contains("the cache path is empty"))
        XCTAssertTrue(storeError { _ = try CacheWriter.open(at: "", manifest: testManifest()) }.contains("the cache path is empty"))
        XCTAssertTrue(storeError { _ = try CacheReader(path: file) }.contains("is a file, not a cache folder"))
        XCTAssertTrue(storeError { _ = try CacheWriter.open(at: file, manifest: testManifest()) }.contains("is a file, not a cache folder"))
        XCTAssertTrue(storeError { _ = try CacheWriter.open(at: file + "/cache", manifest: testManifest()) }.contains("cannot create the cache folder"))
    }
}
