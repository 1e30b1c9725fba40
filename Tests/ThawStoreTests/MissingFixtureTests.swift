import XCTest

/// A golden fixture missing from the bundle fails the test that needs it (a skip would pass).
final class StoreMissingFixtureTests: XCTestCase {
    func testMissingFixtureThrowsMissingFixture() {
        XCTAssertThrowsError(try fixture("no_such_fixture.bin")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
    }
}
