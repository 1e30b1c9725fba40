import ThawCore
import XCTest
@testable import ThawStore

final class RoundTripTests: XCTestCase {
    /// Decoded taps equal the values rounded once through each dtype.
    func testEveryDtypeAndShapeRoundTrips() throws {
        let path = temporaryCachePath()
        let m = testManifest(count: 20)
        _ = try writeSamples(path, m, 0..<20)
        let r = try CacheReader(path: path)
        XCTAssertEqual(r.manifest, m)
        XCTAssertTrue(try r.isComplete())
        for i in [0, 7, 19] {
            let s = try XCTUnwrap(try r.sample(at: i))
            let original = testSample(i)
            XCTAssertEqual(s.id, original.id)
            XCTAssertEqual(s.label, original.label)
            XCTAssertEqual(s.split, original.split)
            XCTAssertEqual(s.taps[0], original.taps[0].map { HalfFloat.f16Value(HalfFloat.f16Bits($0)) })
            XCTAssertEqual(s.taps[1], original.taps[1].map { HalfFloat.bf16Value(HalfFloat.bf16Bits($0)) })
            XCTAssertEqual(s.taps[2], original.taps[2])
            // f16 keeps ~3 decimal digits, bf16 ~2: relative error bounds of the formats.
            for (t, bound) in [(0, Float(1) / 2048), (1, Float(1) / 256)] {
                let worst = zip(s.taps[t], original.taps[t]).map { abs($0 - $1) / max(abs($1), 1e-3) }
                    .reduce(Float(0)) { $0.isNaN || $1.isNaN ? .nan : max($0, $1) }   // NaN-aware, unlike max()
                XCTAssertLessThanOrEqual(worst, bound, "tap \(t) worst relative error \(worst)")
            }
        }
        XCTAssertNil(try r.sample(at: 20))
    }

    func testKeysSortInDataSetOrderAndKeepIds() throws {
        let path = temporaryCachePath()
        let m = testManifest(count: 300, taps: [TapSpec(name: "v", dtype: .f32, shape: [2], layout: "C")])
        // Written out of order: LMDB order must still be 0, 1, 2, … (not 1, 10, 100).
        _ = try writeSamples(path, m, (0..<300).reversed(), batch: 64)
        var seen: [Int] = []
        try CacheReader(path: path).forEach(chunk: 7) { s in
            XCTAssertEqual(s.id, "images/\(s.key.index).jpg")
            seen.append(s.key.index)
            return true
        }
        XCTAssertEqual(seen, Array(0..<300))
    }

    func testViewsAreStoredPerSample() throws {
        let path = temporaryCachePath()
        let m = testManifest(count: 6, views: 3)
        _ = try writeSamples(path, m, 0..<6)
        let r = try CacheReader(path: path)
        XCTAssertEqual(try r.recordCount(), 18)
        XCTAssertEqual(try r.sample(at: 4, view: 2)?.taps[2], testSample(4, view: 2).taps[2])
        XCTAssertEqual(try r.samples(in: 2..<4).map(\.key), [0, 1, 2].map { CacheKey(index: 2, view: $0) } + [0, 1, 2].map { CacheKey(index: 3, view: $0) })
        XCTAssertTrue(try r.verify().ok)
    }

    func testShuffledBlocksCoverTheRangeOnce() throws {
        let path = temporaryCachePath()
        _ = try writeSamples(path, testManifest(count: 50), 0..<50)
        let r = try CacheReader(path: path)
        let blocks = r.shuffledBlocks(blockSize: 8, seed: 42)
        XCTAssertEqual(blocks, r.shuffledBlocks(blockSize: 8, seed: 42), "same seed, same order")
        XCTAssertNotEqual(blocks, blocks.sorted { $0.lowerBound < $1.lowerBound }, "order is shuffled")
        var seen: [Int] = []
        try r.forEachBlock(blockSize: 8, seed: 42) { samples in seen += samples.map(\.key.index) }
        XCTAssertEqual(seen.sorted(), Array(0..<50))
        XCTAssertEqual(Array(seen.prefix(blocks[0].count)), Array(blocks[0]))
    }

    func testLabelOutsideTheManifestIsRefusedNotStored() throws {
        let path = temporaryCachePath()
        let w = try CacheWriter.open(at: path, manifest: testManifest(count: 4))
        var s = testSample(0)
        s.label = 3
        XCTAssertThrowsError(try w.append(s)) { XCTAssertTrue("\($0)".contains("label 3"), "\($0)") }
        XCTAssertFalse(w.isCommitted(s.key))
    }
}
