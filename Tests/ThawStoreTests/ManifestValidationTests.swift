import XCTest
@testable import ThawStore

/// Manifests found unusable by fuzz/store: decoding skips the inits' preconditions, so each field a
/// reader derives sizes from must be rejected with an error instead of trapping later.
final class ManifestValidationTests: XCTestCase {
    /// The canonical JSON of a sound manifest, with `edit` applied to its top-level object.
    private func json(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        var object = try JSONSerialization.jsonObject(with: Data(testManifest().encoded())) as! [String: Any]
        edit(&object)
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    private func assertRejected(_ bytes: [UInt8], mentioning word: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Manifest.decode(bytes, path: "/tmp/cache"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("/tmp/cache") && text.contains(word) && text.contains("Fix:"), text, file: file, line: line)
        }
    }

    func testSoundManifestStillDecodes() throws {
        let m = testManifest()
        XCTAssertEqual(try Manifest.decode(m.encoded(), path: "x"), m)
        XCTAssertNil(m.problem)
    }

    func testZeroShardCountIsAnErrorNotADivisionByZero() throws {
        assertRejected(try json { $0["shard"] = ["index": 0, "count": 0] }, mentioning: "shard")
        assertRejected(try json { $0["shard"] = ["index": 3, "count": 2] }, mentioning: "shard")
    }

    func testTapShapesThatOverflowOrAreNotPositive() throws {
        let huge = [Int.max / 2, 4]
        assertRejected(try json { $0["taps"] = [["name": "t", "dtype": "f32", "shape": huge, "layout": "HW"]] }, mentioning: "larger")
        assertRejected(try json { $0["taps"] = [["name": "t", "dtype": "f32", "shape": [-3], "layout": "C"]] }, mentioning: "positive")
        assertRejected(try json { $0["taps"] = [["name": "t", "dtype": "f32", "shape": [3], "layout": "HW"]] }, mentioning: "layout")
        assertRejected(try json { $0["taps"] = [[String: Any]]() }, mentioning: "no taps")
    }

    func testViewsSamplesAndSplits() throws {
        assertRejected(try json { $0["views"] = 0 }, mentioning: "views")
        assertRejected(try json { $0["sampleCount"] = -1 }, mentioning: "sampleCount")
        assertRejected(try json { $0["splitNames"] = [String]() }, mentioning: "split")
    }
}
