import Foundation
import XCTest
@testable import ThawRuns

/// A diverged run (NaN loss, infinite rate) still gets its record: non-finite numbers are written
/// as null with a warning, never an EncodingError that loses the run.
final class NonFiniteRecordTests: XCTestCase {
    func testRecordWithNaNMetricsIsSavedWithNulls() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-runs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let registry = RunRegistry(folder: folder)
        let record = RunRecord(id: "fit-nan", kind: .fit, commandLine: ["thaw", "fit"], startedAt: Date(timeIntervalSince1970: 0),
                               wallSeconds: .nan, config: ["lr": 0.01], metrics: ["test_top1": .number(.nan), "macro_f1": 0.5],
                               epochs: [["train_loss": .number(.infinity)], ["train_loss": .number(-.infinity)]],
                               samplesPerSecond: .infinity, thawVersion: "0")
        var warnings: [String] = []
        let url = try registry.save(record) { warnings.append($0) }
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("run fit-nan") && warnings[0].contains("4 number(s)"), warnings[0])
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertFalse(text.contains("thaw-non-finite"), text)
        let back = try registry.find("fit-nan")
        XCTAssertEqual(back.metrics["test_top1"], .null)
        XCTAssertEqual(back.metrics["macro_f1"], 0.5)
        XCTAssertEqual(back.epochs.map { $0["train_loss"] }, [.null, .null])
        XCTAssertNil(back.samplesPerSecond)
        XCTAssertEqual(back.wallSeconds, 0)
        XCTAssertEqual(back.config["lr"], 0.01)
    }

    func testFiniteRecordHasNoWarning() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-runs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var warned = false
        try RunRegistry(folder: folder).save(RunRecord(id: "fit-ok", kind: .fit, commandLine: [], startedAt: Date(), metrics: ["a": 1],
                                                       thawVersion: "0")) { _ in warned = true }
        XCTAssertFalse(warned)
    }

    func testAnyEncodableWithFloatNaNEncodes() throws {
        struct Out: Encodable { var name: String; var values: [Float]; var nested: [String: Double] }
        let (data, count) = try FiniteJSON.encode(Out(name: "x", values: [1, .nan, 2], nested: ["a": -.infinity, "b": 3]),
                                                  formatting: [.sortedKeys])
        XCTAssertEqual(count, 2)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"{"name":"x","nested":{"a":null,"b":3},"values":[1,null,2]}"#)
    }
}
