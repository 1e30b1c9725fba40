import Foundation
import XCTest
import CLMDB
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

    /// An extraction killed before its first commit leaves an LMDB file that names no database:
    /// reading it says so and how to go on, not "not a Thaw cache".
    func testNothingCommittedYet() throws {
        let dir = temporaryCachePath("uncommitted")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var env: OpaquePointer?
        XCTAssertEqual(mdb_env_create(&env), 0)
        XCTAssertEqual(mdb_env_set_maxdbs(env, 4), 0)
        XCTAssertEqual(mdb_env_open(env, dir, 0, 0o644), 0)
        mdb_env_close(env)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/data.mdb"))
        let message = storeError { _ = try CacheReader(path: dir) }
        XCTAssertTrue(message.contains("holds nothing committed"), message)
        XCTAssertTrue(message.contains("run the same `thaw extract`"), message)
        // The writer resumes into it as into an empty folder.
        let writer = try CacheWriter.open(at: dir, manifest: testManifest())
        XCTAssertEqual(writer.committedCount, 0)
    }
}
