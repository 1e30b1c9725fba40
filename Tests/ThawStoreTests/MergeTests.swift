import XCTest
@testable import ThawStore

final class MergeTests: XCTestCase {
    func testFourShardsMergeToTheSingleProcessCache() throws {
        let whole = testManifest(count: 37)
        let single = temporaryCachePath()
        _ = try writeSamples(single, whole, 0..<37)
        var shards: [String] = []
        for i in 0..<4 {
            var m = whole
            m.shard = ShardSpec(i, 4)
            let p = temporaryCachePath("shard\(i)")
            let w = try writeSamples(p, m, m.indexRange, batch: 3)
            XCTAssertTrue(w.isComplete, "shard \(i) complete")
            shards.append(p)
        }
        let out = temporaryCachePath("merged")
        let merged = try CacheMerge.merge(shards: shards.reversed(), into: out, batchSize: 5)
        XCTAssertEqual(merged, whole)
        XCTAssertEqual(try allRecords(out), try allRecords(single))
        XCTAssertTrue(try CacheReader(path: out).verify().ok)
        XCTAssertTrue(try CacheReader(path: out).isComplete())
    }

    func testMergeRefusesGapsOverlapsAndMismatches() throws {
        let whole = testManifest(count: 12)
        func shard(_ i: Int, _ n: Int, _ m: Manifest = whole) throws -> String {
            var m = m
            m.shard = ShardSpec(i, n)
            let p = temporaryCachePath("s\(i)of\(n)")
            _ = try writeSamples(p, m, m.indexRange)
            return p
        }
        let a = try shard(0, 3), b = try shard(1, 3), c = try shard(2, 3)
        XCTAssertThrowsError(try CacheMerge.merge(shards: [a, c], into: temporaryCachePath())) { XCTAssertTrue("\($0)".contains("in no shard"), "\($0)") }
        XCTAssertThrowsError(try CacheMerge.merge(shards: [a, b, c, try shard(1, 2)], into: temporaryCachePath())) { XCTAssertTrue("\($0)".contains("overlaps"), "\($0)") }
        let other = try shard(1, 3, testManifest(count: 12, fingerprint: "changed"))
        XCTAssertThrowsError(try CacheMerge.merge(shards: [a, other, c], into: temporaryCachePath())) { XCTAssertTrue("\($0)".contains("dataFingerprint"), "\($0)") }
    }
}
