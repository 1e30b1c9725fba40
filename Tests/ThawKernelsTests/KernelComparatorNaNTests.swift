import ThawTestSupport
import XCTest

/// Every golden comparator of the kernel tests fails on a NaN or an infinity, wherever it sits
/// (first, middle, last element; in the result or in the reference).
final class KernelComparatorNaNTests: XCTestCase {
    private let comparators: [(String, GoldenComparator)] = [
        ("TransformerGolden", { TransformerGolden.mismatch($0, $1, "t") }),
        ("TransformerGolden floor 1", { TransformerGolden.mismatch($0, $1, rtol: 1e-6, floor: 1, "gelu") }),
        ("ConvGolden", { ConvGolden.mismatch($0, $1, "c") }),
        ("BackwardGolden", { BackwardGolden.mismatch($0, $1, "b") }),
    ]

    func testEqualValuesPass() { ComparatorChecks.assertEqualValuesPass(comparators) }

    func testNaNAndInfinityFailEverywhere() { ComparatorChecks.assertNonFiniteFails(comparators) }
}

/// A golden fixture missing from the bundle fails the test that needs it (a skip would pass).
final class KernelMissingFixtureTests: XCTestCase {
    func testMissingFixturesThrowMissingFixture() {
        XCTAssertThrowsError(try TransformerGolden.load("no_such_array")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
        XCTAssertThrowsError(try BackwardGolden.load("no_such_array")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
    }
}
