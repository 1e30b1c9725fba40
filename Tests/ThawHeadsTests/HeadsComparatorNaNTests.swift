import XCTest

/// This module's comparators fail on a NaN or an infinity wherever it sits, in the result or in the
/// reference (a NaN compares false with everything, so a plain running maximum drops it).
final class HeadsComparatorNaNTests: XCTestCase {
    private let want: [Float] = [0.5, -2, 3, 1e-3, 7]
    private let comparators: [(String, ([Float], [Float]) -> String?)] = [
        ("closeMismatch", { closeMismatch($0, $1, rtol: 1e-4, "h") }),
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
        }
    }
}
