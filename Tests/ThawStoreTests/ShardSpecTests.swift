import XCTest
@testable import ThawStore

final class ShardSpecTests: XCTestCase {
    func testShardsTileTheRangeWithoutPadding() {
        for count in [0, 1, 7, 10, 50, 101] {
            for n in 1...9 {
                let ranges = (0..<n).map { ShardSpec($0, n).range(sampleCount: count) }
                XCTAssertEqual(ranges.first?.lowerBound, 0)
                XCTAssertEqual(ranges.last?.upperBound, count)
                for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                let sizes = ranges.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "count \(count) n \(n): \(sizes)")
            }
        }
    }

    func testParsing() {
        XCTAssertEqual(ShardSpec(parsing: "2/8"), ShardSpec(2, 8))
        XCTAssertNil(ShardSpec(parsing: "8/8"))
        XCTAssertNil(ShardSpec(parsing: "x"))
    }
}
