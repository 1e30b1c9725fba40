import Foundation
import ThawExtract
import XCTest

/// A SIGTERM sent to the process sets the flag instead of ending the process.
final class StopSignalTests: XCTestCase {
    func testSignalSetsTheFlag() {
        let seen = expectation(description: "handler ran")
        let stop = StopSignal(signals: [SIGTERM]) { sig in
            XCTAssertEqual(sig, SIGTERM)
            seen.fulfill()
        }
        defer { stop.cancel() }
        XCTAssertFalse(stop.isRaised)
        kill(getpid(), SIGTERM)
        wait(for: [seen], timeout: 5)
        XCTAssertEqual(stop.received, SIGTERM)
    }
}
