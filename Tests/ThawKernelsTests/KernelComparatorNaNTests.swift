import XCTest

/// Every golden comparator of the kernel tests fails on a NaN or an infinity, wherever it sits
/// (first, middle, last element; in the result or in the reference).
final class KernelComparatorNaNTests: XCTestCase {
    private let want: [Float] = [0.5, -2, 3, 1e-3, 7]

    private typealias Comparator = (_ got: [Float], _ want: [Float]) -> String?
    private let comparators: [(String, Comparator)] = [
        ("TransformerGolden", { TransformerGolden.mismatch($0, $1, "t") }),
        ("TransformerGolden floor 1", { TransformerGolden.mismatch($0, $1, rtol: 1e-6, floor: 1, "gelu") }),
        ("ConvGolden", { ConvGolden.mismatch($0, $1, "c") }),
        ("BackwardGolden", { BackwardGolden.mismatch($0, $1, "b") }),
    ]

    func testEqualValuesPass() {
        for (name, compare) in comparators { XCTAssertNil(compare(want, want), name) }
    }

    func testNaNAndInfinityFailEverywhere() {
        for (name, compare) in comparators {
            for position in want.indices {
                for bad: Float in [.nan, .infinity, -.infinity] {
                    var injected = want
                    injected[position] = bad
                    XCTAssertNotNil(compare(injected, want), "\(name): \(bad) at \(position) in the result passed")
                    XCTAssertNotNil(compare(want, injected), "\(name): \(bad) at \(position) in the reference passed")
                }
            }
            XCTAssertNotNil(compare([Float](repeating: .nan, count: want.count), want), "\(name): all NaN passed")
        }
    }
}

/// A golden fixture missing from the bundle fails the test that needs it (a skip would pass).
final class KernelMissingFixtureTests: XCTestCase {
    func testMissingFixturesThrowMissingFixture() {
        XCTAssertThrowsError(try TransformerGolden.load("no_such_array")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
        XCTAssertThrowsError(try BackwardGolden.load("no_such_array")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
    }
}
