import XCTest

/// A golden fixture missing from the bundle fails the test that needs it (a skip would pass).
final class BackboneMissingFixtureTests: XCTestCase {
    func testMissingFixturesThrowMissingFixture() throws {
        XCTAssertThrowsError(try BERTTests.fixture("no_such_array")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
        XCTAssertThrowsError(try ResNetFixture.named("no_such_case")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
        XCTAssertThrowsError(try LiteManifest.load().named("no_such_case")) { XCTAssertTrue($0 is MissingFixture, "\($0)") }
    }
}
