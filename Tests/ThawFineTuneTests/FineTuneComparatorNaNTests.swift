import XCTest

/// The golden comparator fails on NaN and infinity wherever they appear: a NaN gradient must
/// never pass a test because `err > worst` is false for it.
final class FineTuneComparatorNaNTests: XCTestCase {
    private let want: [Float] = [1, -2, 0.5, 3, 0]

    func testCloseValuesPass() {
        XCTAssertNil(closeness([1, -2, 0.5, 3.0001, 0], want, tol: 1e-3, "ok"))
    }

    func testNaNOrInfinityAnywhereFails() {
        for position in want.indices {
            for bad: Float in [.nan, .infinity, -.infinity] {
                var got = want
                got[position] = bad
                let failure = closeness(got, want, tol: 1e-3, "g")
                XCTAssertNotNil(failure, "\(bad) at \(position) passed")
                XCTAssertTrue(failure?.contains("at [\(position)]") == true, failure ?? "")
                var reference = want
                reference[position] = bad
                XCTAssertNotNil(closeness(want, reference, tol: 1e-3, "r"), "\(bad) in the reference at \(position) passed")
            }
        }
        XCTAssertNotNil(closeness([Float](repeating: .nan, count: 5), want, tol: 1e-3, "all"))
        XCTAssertNotNil(closeness([1], want, tol: 1e-3, "count"))
    }
}

/// A golden fixture missing from the bundle fails the test that needs it (a skip would pass).
final class FineTuneMissingFixtureTests: XCTestCase {
    func testMissingFixtureThrowsMissingFixture() {
        XCTAssertThrowsError(try FineTuneGolden("no_such_fixture")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
    }
}
