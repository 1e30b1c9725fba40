import XCTest

/// A golden comparator: nil when `got` matches `want`, else the failure message.
public typealias GoldenComparator = (_ got: [Float], _ want: [Float]) -> String?

/// Checks that comparators accept equal values and fail on a NaN or an infinity wherever it sits,
/// in the result or in the reference, and on an all-NaN result (a NaN compares false with
/// everything, so `err > worst` or a plain running maximum drops it). Shared by every test target
/// that keeps its own comparators.
public enum ComparatorChecks {
    /// The values the checks inject into (mixed signs and magnitudes).
    public static let want: [Float] = [0.5, -2, 3, 1e-3, 7]

    public static func assertEqualValuesPass(_ comparators: [(String, GoldenComparator)], file: StaticString = #filePath, line: UInt = #line) {
        for (name, compare) in comparators { XCTAssertNil(compare(want, want), name, file: file, line: line) }
    }

    public static func assertNonFiniteFails(_ comparators: [(String, GoldenComparator)], file: StaticString = #filePath, line: UInt = #line) {
        for (name, compare) in comparators {
            for position in want.indices {
                for bad: Float in [.nan, .infinity, -.infinity] {
                    var injected = want
                    injected[position] = bad
                    XCTAssertNotNil(compare(injected, want), "\(name): \(bad) at \(position) in the result passed", file: file, line: line)
                    XCTAssertNotNil(compare(want, injected), "\(name): \(bad) at \(position) in the reference passed", file: file, line: line)
                }
            }
            XCTAssertNotNil(compare([Float](repeating: .nan, count: want.count), want), "\(name): all NaN passed", file: file, line: line)
        }
    }
}
