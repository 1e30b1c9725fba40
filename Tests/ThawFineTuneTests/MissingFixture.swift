/// A golden fixture that should be committed is absent: the test fails (thrown errors are
/// failures in XCTest), never skips — a skipped comparison would pass silently.
struct MissingFixture: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
