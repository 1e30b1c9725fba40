import Foundation
import ThawFit
import ThawHeads
import XCTest

/// The durable record of finished sweep groups: reopened, it yields exactly the groups written; a torn
/// last line (a kill mid-write) is dropped and cut off; another sweep's fingerprint uses another file.
final class SweepProgressTests: XCTestCase {
    /// A group result as the progress file stores it (NaN spelled "nan").
    private func group(_ members: [Int], loss: String) -> SweepGroupResult {
        let metrics = """
            {"count":10,"loss":\(loss),"top1":0.5,"top5":1,"meanPerClassAccuracy":0.5,"macroF1":0.4,
             "expectedCalibrationError":0.1,"eceBins":15,"confusion":[[3,2],[3,2]]}
            """
        let rows = members.map { "{\"index\":\($0),\"bestEpoch\":1,\"validation\":\(metrics)}" }.joined(separator: ",")
        let histories = members.map { "\"\($0)\":[{\"val_loss\":\"nan\"}]" }.joined(separator: ",")
        let json = """
            {"members":\(members),"rows":[\(rows)],"histories":{\(histories)},"best":\(members[0]),"test":\(metrics),
             "trainSeconds":0.25,"rowsSeen":100}
            """
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try! d.decode(SweepGroupResult.self, from: Data(json.utf8))
    }

    func testReopenTornLineAndOtherFingerprint() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-progress-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let p = try SweepProgress(folder: dir, fingerprint: "grid A")
            XCTAssertTrue(p.finished.isEmpty)
            try p.record(group([0, 1, 2], loss: "\"nan\""))
            try p.record(group([3, 4], loss: "0.75"))
        }
        let reopened = try SweepProgress(folder: dir, fingerprint: "grid A")
        XCTAssertEqual(Set(reopened.finished.keys), [[0, 1, 2], [3, 4]])
        XCTAssertEqual(reopened.finished[[3, 4]]?.rows[1].validation.loss, 0.75)
        XCTAssertTrue(reopened.finished[[0, 1, 2]]!.rows[0].validation.loss.isNaN, "NaN losses survive the round trip")

        // A kill mid-write leaves half a line: it is dropped, and the next group starts a line of its own.
        let url = reopened.url
        let h = try FileHandle(forWritingTo: url)
        try h.seekToEnd()
        try h.write(contentsOf: Data("{\"members\":[5,6],\"rows\":[".utf8))
        try h.close()
        let afterTear = try SweepProgress(folder: dir, fingerprint: "grid A")
        XCTAssertEqual(afterTear.finished.count, 2)
        try afterTear.record(group([5, 6], loss: "1"))
        XCTAssertEqual(try SweepProgress(folder: dir, fingerprint: "grid A").finished.count, 3)

        let other = try SweepProgress(folder: dir, fingerprint: "grid B")
        XCTAssertNotEqual(other.url, url)
        XCTAssertTrue(other.finished.isEmpty, "another sweep starts fresh")
        other.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.url.path))
    }
}
