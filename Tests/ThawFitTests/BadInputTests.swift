import XCTest
import ThawFit
import ThawHeads

final class BadInputTests: XCTestCase {
    func testMissingTapListsTheTaps() throws {
        let cache = try makeCache(SyntheticCache(count: 50))
        let msg = fitError { _ = try TapData.load(path: cache, tap: "blocks.12") }
        XCTAssertTrue(msg.contains("no tap named \"blocks.12\"") && msg.contains("pool") && msg.contains("map"), msg)
        let sweep = fitError { var q = SweepRequest(cache: cache); q.axes.taps = ["nope"]; _ = try SweepRun.run(q) }
        XCTAssertTrue(sweep.contains("no tap named \"nope\""), sweep)
    }

    func testEmptySplitIsRefused() throws {
        let cache = try makeCache(SyntheticCache(count: 50, emptySplit: "test"))
        let msg = fitError { _ = try TapData.load(path: cache, tap: "pool") }
        XCTAssertTrue(msg.contains("split \"test\"") && msg.contains("no records"), msg)
    }

    func testSingleClassIsRefused() throws {
        let cache = try makeCache(SyntheticCache(count: 50, singleClass: true))
        let msg = fitError { _ = try TapData.load(path: cache, tap: "pool") }
        XCTAssertTrue(msg.contains("every training sample has class \"class0\""), msg)
    }

    func testNaNNamesTheSample() throws {
        let cache = try makeCache(SyntheticCache(count: 50, nanAt: 17))
        let msg = fitError { _ = try TapData.load(path: cache, tap: "pool") }
        XCTAssertTrue(msg.contains("sample 17") && msg.contains("synthetic/17.bin") && msg.contains("element 3"), msg)
        // The other tap of the same cache is clean.
        XCTAssertNoThrow(try TapData.load(path: cache, tap: "map"))
    }

    func testIncompleteCacheNeedsAllowIncomplete() throws {
        let cache = try makeCache(SyntheticCache(count: 100, stopAfter: 60))
        let msg = fitError { _ = try TapData.load(path: cache, tap: "pool") }
        XCTAssertTrue(msg.contains("is not finished") && msg.contains("60 of 100") && msg.contains("--allow-incomplete") && msg.contains("thaw extract"), msg)
        let data = try TapData.load(path: cache, tap: "pool", options: TapLoadOptions(allowIncomplete: true))
        XCTAssertEqual(data.trainIndices.count, 36)
    }

    func testPoolingOnVectorsAndBadNamesAreRefused() throws {
        let cache = try makeCache(SyntheticCache(count: 50))
        var q = FitRequest(cache: cache, tap: "pool")
        q.pooling = .avg
        XCTAssertTrue(fitError { _ = try FitRun.run(q) }.contains("holds vectors"))
        XCTAssertTrue(fitError { _ = try HeadName.parse("mlp:0") }.contains("positive hidden widths"))
        XCTAssertTrue(fitError { _ = try PoolingName.parse("median") }.contains("unknown pooling"))
        XCTAssertTrue(fitError { _ = try MemoryBudget.parse("lots") }.contains("--memory-budget"))
        XCTAssertEqual(try MemoryBudget.parse("2M"), 2 << 20)
    }
}
