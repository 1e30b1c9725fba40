import XCTest
@testable import ThawStore

final class ResumeTests: XCTestCase {
    func testResumedRunEqualsOneShotByteForByte() throws {
        let m = testManifest(count: 50)
        let oneShot = temporaryCachePath()
        _ = try writeSamples(oneShot, m, 0..<50, batch: 16)

        let resumed = temporaryCachePath()
        do {
            let w = try writeSamples(resumed, m, 0..<23, batch: 5)
            XCTAssertFalse(w.isComplete)
        }
        do {
            let w = try CacheWriter.open(at: resumed, manifest: m, batchSize: 7)
            XCTAssertEqual(w.committedCount, 23)
            XCTAssertEqual(w.missingKeys.first, CacheKey(index: 23))
            XCTAssertEqual(w.missingKeys.count, 27)
            // The extractor re-offers everything; committed samples are skipped.
            var written = 0
            for i in 0..<50 where try w.append(testSample(i)) { written += 1 }
            XCTAssertEqual(written, 27)
            XCTAssertTrue(try w.finish())
        }
        XCTAssertEqual(try allRecords(resumed), try allRecords(oneShot))
        XCTAssertTrue(try CacheReader(path: resumed).verify().ok)
    }

    func testDifferentManifestIsRefusedWithTheFieldsNamed() throws {
        let path = temporaryCachePath()
        _ = try writeSamples(path, testManifest(count: 10), 0..<3)
        var other = testManifest(count: 10, fingerprint: "files:other")
        other.taps[1].dtype = .f16
        XCTAssertThrowsError(try CacheWriter.open(at: path, manifest: other)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("dataFingerprint"), text)
            XCTAssertTrue(text.contains("taps[map].dtype: cache has bf16, requested f16"), text)
            XCTAssertFalse(text.contains("backbone"), text)
        }
    }

    /// A write transaction that never commits (the process dropping its state mid-batch) leaves
    /// the earlier commits intact and the cache sound.
    func testUncommittedTransactionLeavesEarlierCommits() throws {
        let path = temporaryCachePath()
        let m = testManifest(count: 20)
        let before: [[UInt8]]
        do {
            let w = try writeSamples(path, m, 0..<10, batch: 4)
            before = try allRecords(path)
            // Queued but never flushed: dropped with the writer.
            for i in 10..<13 { try w.append(testSample(i)) }
            w.discardPending()
            // A transaction that wrote records and then failed before commit.
            struct Crash: Error {}
            XCTAssertThrowsError(try w.environment.write { txn in
                for i in 13..<16 { try txn.put(.records, CacheKey(index: i).bytes(withViews: false), Record.encode(testSample(i), manifest: m)) }
                throw Crash()
            })
        }
        XCTAssertEqual(try allRecords(path), before)
        let report = try CacheReader(path: path).verify()
        XCTAssertEqual(report.badRecords, [])
        XCTAssertEqual(report.missingCount, 10)
        let w = try CacheWriter.open(at: path, manifest: m)
        XCTAssertEqual(w.committedCount, 10)
    }

    func testTinyMapGrowsOnMapFull() throws {
        let path = temporaryCachePath()
        let big = [TapSpec(name: "map", dtype: .f16, shape: [14, 14, 112], layout: "HWC")]  // 43,904 bytes
        let m = testManifest(count: 40, taps: big)
        let w = try writeSamples(path, m, 0..<40, batch: 10, initialMapSize: 64 << 10)
        XCTAssertTrue(w.isComplete)
        XCTAssertGreaterThanOrEqual(w.environment.mapSize, 40 * 45056, "map grew to hold the records")
        XCTAssertTrue(try CacheReader(path: path).verify().ok)
    }
}
