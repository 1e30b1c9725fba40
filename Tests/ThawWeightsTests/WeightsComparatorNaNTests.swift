import ThawTestSupport
import XCTest

/// This module's comparators fail on a NaN or an infinity wherever it sits, in the result or in the
/// reference (a NaN compares false with everything, so a plain running maximum drops it).
final class WeightsComparatorNaNTests: XCTestCase {
    private let comparators: [(String, GoldenComparator)] = [
        ("closeMismatch", { closeMismatch($0, $1, "w") }),
    ]

    func testEqualValuesPass() { ComparatorChecks.assertEqualValuesPass(comparators) }

    func testNaNAndInfinityFailEverywhere() { ComparatorChecks.assertNonFiniteFails(comparators) }
}
