import Foundation
import XCTest

/// A run whose training diverges (learning rate 1e30: every logit NaN) still ends normally, writes
/// its record with null metrics and prints valid `--json`.
final class DivergedRunCLITests: XCTestCase {
    func testFitThatDivergesKeepsItsRecord() throws {
        let folder = try smallPoolCacheFolder()
        let fit = try ThawBinary.run(["fit", "--cache", "c", "--tap", "pool", "--lr", "1e30", "--epochs", "2", "--json"], in: folder)
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(fit.stderr.contains("NaN or infinite") && fit.stderr.contains("written as null"), fit.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as? [String: Any])
        let metrics = try XCTUnwrap(json["metrics"] as? [String: Any])
        XCTAssertTrue(metrics.values.contains { $0 is NSNull }, "\(metrics)")
        let records = try FileManager.default.contentsOfDirectory(atPath: folder + "/c.runs").filter { $0.hasPrefix("fit-") }
        XCTAssertEqual(records.count, 1)
        let runs = try ThawBinary.run(["runs", "--cache", "c"], in: folder)
        XCTAssertEqual(runs.status, 0, runs.stderr)
        XCTAssertTrue(runs.stdout.contains("lr 1e+30"), runs.stdout)
    }
}
