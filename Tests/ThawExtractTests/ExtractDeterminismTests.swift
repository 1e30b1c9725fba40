import Foundation
import ThawExtract
import ThawInputs
import ThawStore
import XCTest

/// The same records whatever the batch size, interruption pattern or shard split
/// (Fashion-MNIST, 40 samples per split at 32×32, through a real small conv net).
final class ExtractDeterminismTests: XCTestCase {
    private func input() throws -> ExtractInput {
        .images(try ExtractTestSupport.fashionMNIST(), preset: .imagenet(resize: 32, crop: 32))
    }

    func testBatchSizeDoesNotChangeBytes() throws {
        let dir = try ExtractTestSupport.temporaryDirectory(self)
        let a = try ExtractTestSupport.extract(try input(), ExtractTestSupport.options(batch: 7, limit: 40), into: dir + "/b7")
        let b = try ExtractTestSupport.extract(try input(), ExtractTestSupport.options(batch: 32, limit: 40), into: dir + "/b32")
        XCTAssertTrue(a.complete && b.complete)
        XCTAssertEqual(a.recordsCommitted, 80)   // 40 train + 40 test (Fashion-MNIST has no val)
        try ExtractTestSupport.assertSameRecords(dir + "/b7", dir + "/b32")
        XCTAssertTrue(try CacheReader(path: dir + "/b7").verify().ok)
    }

    func testResumeAfterStopsEqualsUninterrupted() throws {
        let dir = try ExtractTestSupport.temporaryDirectory(self)
        try ExtractTestSupport.extract(try input(), ExtractTestSupport.options(batch: 9, limit: 40), into: dir + "/whole")
        // 80 samples = 5 forward blocks: stop after 1, 1 and 2 blocks with commits of 5 (uneven),
        // then finish, each run with another batch size.
        var runs = 0, last = ExtractSummary()
        for (batch, stop) in [(9, 1), (6, 1), (11, 2), (4, nil)] as [(Int, Int?)] {
            last = try ExtractTestSupport.extract(try input(), ExtractTestSupport.options(batch: batch, limit: 40), into: dir + "/resumed",
                                                  commitEvery: 5, stopAfter: stop)
            runs += 1
            XCTAssertEqual(last.stopped, stop != nil, "run \(runs)")
        }
        XCTAssertTrue(last.complete)
        XCTAssertEqual(last.samplesProcessed, 16, "the last run must skip what earlier runs committed")
        try ExtractTestSupport.assertSameRecords(dir + "/whole", dir + "/resumed")
        XCTAssertTrue(try CacheReader(path: dir + "/resumed").verify().ok)
    }

    func testFourShardsMergedEqualSingleRun() throws {
        let dir = try ExtractTestSupport.temporaryDirectory(self)
        try ExtractTestSupport.extract(try input(), ExtractTestSupport.options(batch: 16, limit: 30), into: dir + "/single")
        var shards: [String] = []
        for i in 0..<4 {
            let path = dir + "/shard\(i)"
            let s = try ExtractTestSupport.extract(try input(), ExtractTestSupport.options(batch: 5, limit: 30, shard: ShardSpec(i, 4)), into: path)
            XCTAssertTrue(s.complete)
            XCTAssertEqual(s.recordsCommitted, ShardSpec(i, 4).range(sampleCount: 60).count)
            shards.append(path)
        }
        _ = try CacheMerge.merge(shards: shards, into: dir + "/merged")
        try ExtractTestSupport.assertSameRecords(dir + "/single", dir + "/merged")
        XCTAssertTrue(try CacheReader(path: dir + "/merged").verify().ok)
    }

    /// Views 1…K are seeded by (index, view): identical across batch sizes and resumes,
    /// different from the centre crop for training images, the centre crop again for test images.
    func testViewsAreDeterministic() throws {
        let dir = try ExtractTestSupport.temporaryDirectory(self)
        try ExtractTestSupport.extract(try input(), ExtractTestSupport.options(batch: 16, limit: 12, views: 2), into: dir + "/a")
        try ExtractTestSupport.extract(try input(), ExtractTestSupport.options(batch: 5, limit: 12, views: 2), into: dir + "/b", stopAfter: 2)
        let resumed = try ExtractTestSupport.extract(try input(), ExtractTestSupport.options(batch: 3, limit: 12, views: 2), into: dir + "/b")
        XCTAssertTrue(resumed.complete)
        try ExtractTestSupport.assertSameRecords(dir + "/a", dir + "/b")
        let reader = try CacheReader(path: dir + "/a")
        XCTAssertEqual(reader.manifest.views, 3)
        XCTAssertTrue(try reader.verify().ok)
        var trainDiffers = 0, testSame = 0
        for i in 0..<reader.manifest.sampleCount {
            let v0 = try XCTUnwrap(reader.sample(at: i, view: 0)), v1 = try XCTUnwrap(reader.sample(at: i, view: 1))
            if reader.manifest.splitNames[v0.split] == "train" { trainDiffers += v0.taps != v1.taps ? 1 : 0 }
            else { testSame += v0.taps == v1.taps ? 1 : 0 }
        }
        XCTAssertEqual(trainDiffers, 12)
        XCTAssertEqual(testSame, 12)
    }

    func testAugmentedBoxesStayInsideAndRepeat() {
        for i in 0..<200 {
            let b = AugmentedView.box(index: i, view: 1 + i % 3, width: 40, height: 28)
            XCTAssertTrue(b.x >= 0 && b.y >= 0 && b.width > 0 && b.height > 0 && b.x + b.width <= 40 && b.y + b.height <= 28, "\(b)")
            XCTAssertEqual(b, AugmentedView.box(index: i, view: 1 + i % 3, width: 40, height: 28))
        }
        XCTAssertNotEqual(AugmentedView.box(index: 1, view: 1, width: 300, height: 200), AugmentedView.box(index: 1, view: 2, width: 300, height: 200))
    }
}
