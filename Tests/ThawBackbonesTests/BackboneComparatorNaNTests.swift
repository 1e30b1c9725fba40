import ThawTestSupport
import XCTest

/// This module's comparators fail on a NaN or an infinity wherever it sits, in the result or in the
/// reference (a NaN compares false with everything, so a plain running maximum drops it).
final class BackboneComparatorNaNTests: XCTestCase {
    private let comparators: [(String, GoldenComparator)] = [
        ("tapMismatch", { tapMismatch($0, $1, maxAbs: 7, rtol: 1e-4, "t") }),
        ("BERTTests.mismatch", { BERTTests.mismatch($0, $1, rtol: 1e-4, floor: 1e-3, "b") }),
    ]

    func testEqualValuesPass() { ComparatorChecks.assertEqualValuesPass(comparators) }

    func testNaNAndInfinityFailEverywhere() { ComparatorChecks.assertNonFiniteFails(comparators) }
}
