import XCTest

/// A golden fixture missing from the bundle fails the test that needs it (a skip would pass).
final class TextMissingFixtureTests: XCTestCase {
    func testMissingFixtureThrowsMissingFixture() {
        XCTAssertThrowsError(try fixtureURL("no_such_fixture.json")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
    }
}
