import ThawFit
import ThawHeads
import XCTest

/// The library's learning-rate default is the one `thaw fit` uses: 1e-2 linear, 1e-3 MLP, until set.
final class FitRequestDefaultsTests: XCTestCase {
    func testLearningRateFollowsTheHeadUntilSet() {
        var q = FitRequest(cache: "c", tap: "pool")
        XCTAssertEqual(q.lr, 1e-2)
        q.head = HeadShape(hidden: [64])
        XCTAssertEqual(q.lr, 1e-3)
        XCTAssertEqual(q.lr, FitRequest.defaultLearningRate(for: q.head))
        q.lr = 0.5
        q.head = .linear
        XCTAssertEqual(q.lr, 0.5)
    }
}
