import Foundation
import XCTest
@testable import ThawStore

final class VerifyTests: XCTestCase {
    /// One byte flipped inside a record in data.mdb itself is caught and located.
    func testFlippedByteInTheFileIsCaught() throws {
        let path = temporaryCachePath()
        let taps = [TapSpec(name: "v", dtype: .f32, shape: [16], layout: "C")]
        do { _ = try writeSamples(path, testManifest(count: 5, taps: taps), 0..<5) }  // closed again here
        let file = URL(fileURLWithPath: path + "/data.mdb")
        var data = try Data(contentsOf: file)
        let id = Data("images/3.jpg".utf8)
        let at = try XCTUnwrap(data.range(of: id)).upperBound + 20  // inside record 3's tap payload
        data[at] ^= 0x10
        try data.write(to: file)

        let report = try CacheReader(path: path).verify()
        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.badRecords.map(\.index), [3])
        XCTAssertTrue(report.badRecords[0].problem.contains("checksum mismatch"), report.summary)
        XCTAssertThrowsError(try CacheReader(path: path).sample(at: 3)) { XCTAssertTrue("\($0)".contains("record #3"), "\($0)") }
    }

    func testMissingAndStrayRecordsAreReported() throws {
        let path = temporaryCachePath()
        let m = testManifest(count: 10)
        let w = try writeSamples(path, m, [0, 1, 2, 5, 6, 7, 8, 9])
        try w.environment.write { txn in
            try txn.put(.records, CacheKey(index: 12).bytes(withViews: false), Record.encode(testSample(9), manifest: m))
            var truncated = Record.encode(testSample(1), manifest: m)
            truncated.removeLast(2)
            try txn.put(.records, CacheKey(index: 1).bytes(withViews: false), truncated)
        }
        let report = try CacheReader(path: path).verify()
        XCTAssertEqual(report.missing, ["#3", "#4"])
        XCTAssertEqual(report.unexpectedKeys.count, 1)
        XCTAssertEqual(report.badRecords.map(\.index), [1])
        XCTAssertFalse(report.ok)
    }
}
