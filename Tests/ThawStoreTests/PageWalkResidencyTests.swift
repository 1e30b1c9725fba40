import Foundation
import XCTest
@testable import ThawStore

/// Opening a cache walks its pages (`LMDBPageWalk`) through a temporary file mapping. The walk reads
/// every branch and leaf page and the first page of every overflow run; on a cache of pooled f16
/// vectors (one 4 KiB page per record) that is the whole file, and before the walk released what it
/// had read, opening 100,000 such records raised `thaw sweep --memory-budget 256M`'s peak RSS to 425 MiB.
final class PageWalkResidencyTests: XCTestCase {
    /// 12,000 records of 1,280 f16 values (2,560 B: one overflow page each): a ≈ 50 MB data.mdb.
    private func pooledVectorCache() throws -> (path: String, records: Int) {
        let path = temporaryCachePath()
        let taps = [TapSpec(name: "pool", dtype: .f16, shape: [1280], layout: "C")]
        let n = 12_000
        let row = (0..<1280).map { Float($0 % 97) / 97 }
        // The writer (and its environment) is gone when this returns: the open below starts afresh.
        let w = try CacheWriter.open(at: path, manifest: testManifest(count: n, taps: taps), batchSize: 1000, initialMapSize: 1 << 27)
        for i in 0..<n {
            try w.append(CachedSample(index: i, label: Int32(i % 3), split: 0, id: "\(i)", taps: [row]))
        }
        XCTAssertTrue(try w.finish())
        return (path, n)
    }

    /// VmHWM or VmRSS of this process in bytes.
    private func status(_ key: String) throws -> Int {
        let text = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix(key) }, "/proc/self/status has no \(key)")
        return try XCTUnwrap(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])) * 1024
    }

    func testOpeningACacheKeepsFewOfItsPagesResident() throws {
        let (path, n) = try pooledVectorCache()
        let file = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path + "/data.mdb")[.size] as? Int)
        XCTAssertGreaterThan(file, 45 << 20, "the cache should span ≥ 45 MiB for the peak to tell")
        // Writing 5 to clear_refs resets this process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0).
        try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let before = try status("VmHWM:")
        let reader = try CacheReader(path: path)   // runs the page walk
        let rise = try status("VmHWM:") - before
        XCTAssertEqual(try reader.recordCount(), n)
        // The walk holds at most `releaseEvery` pages (16 MiB) plus its page bitmaps; unreleased it held the file.
        XCTAssertLessThan(rise, 28 << 20, String(format: "opening a %.0f MB cache raised the peak RSS by %.1f MB",
                                                   Double(file) / 1_048_576, Double(rise) / 1_048_576))
        // `thaw cache verify` and `thaw cache info` read every value: they release pages as they go too.
        for (name, scan) in [("verify", { _ = try reader.verify() }), ("info", { _ = try reader.info() })] as [(String, () throws -> Void)] {
            try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
            let start = try status("VmHWM:")
            try scan()
            let up = try status("VmHWM:") - start
            XCTAssertLessThan(up, 28 << 20, String(format: "%@ on a %.0f MB cache raised the peak RSS by %.1f MB",
                                                   name, Double(file) / 1_048_576, Double(up) / 1_048_576))
        }
    }

    func testWalkCallsReleaseEveryFixedNumberOfPagesRead() throws {
        let (path, n) = try pooledVectorCache()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")))
        var calls = 0
        let summary = try bytes.withUnsafeBytes { try LMDBPageWalk.check($0, release: { calls += 1 }) }
        XCTAssertEqual(summary.entries["records"], n)
        // Pages read: one overflow page per record, plus the leaf and branch pages above them.
        XCTAssertGreaterThanOrEqual(calls, n / LMDBPageWalk.releaseEvery)
        XCTAssertLessThanOrEqual(calls, (n + n / 10) / LMDBPageWalk.releaseEvery + 1)
        // Without a release closure the walk is unchanged (the fuzzer and in-memory checks pass none).
        XCTAssertEqual(try bytes.withUnsafeBytes { try LMDBPageWalk.check($0) }, summary)
    }

    /// `releaseResidentPages` finds the cache's mapping by reading /proc/self/maps as bytes.
    func testMappingsFindsAMappedFileByItsPath() throws {
        let dir = (temporaryCachePath() as NSString).deletingLastPathComponent
        let file = URL(fileURLWithPath: dir).resolvingSymlinksInPath().appendingPathComponent("with space.bin").path
        try Data(count: 3 * 4096).write(to: URL(fileURLWithPath: file))
        let fd = open(file, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let map = try XCTUnwrap(mmap(nil, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0))
        XCTAssertNotEqual(map, MAP_FAILED)
        defer { munmap(map, 3 * 4096) }
        let start = UInt(bitPattern: map)
        XCTAssertEqual(LMDBEnvironment.mappings(of: Array(file.utf8)), [start..<(start + 3 * 4096)])
        XCTAssertEqual(LMDBEnvironment.mappings(of: Array((file + ".other").utf8)), [])
        XCTAssertEqual(LMDBEnvironment.mappings(of: Array(String(file.dropFirst()).utf8)), [], "a suffix of another path is not a match")
    }
}
