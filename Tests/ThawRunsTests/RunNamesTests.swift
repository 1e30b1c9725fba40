import Foundation
import XCTest
@testable import ThawRuns

/// Runs named by the user (`--name`), by kind (the latest of that kind), and the short labels tables show.
final class RunNamesTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-run-names-\(UUID().uuidString)")
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func run(_ id: String, _ kind: RunRecord.Kind, at seconds: Double, name: String? = nil,
                     config: [String: JSONValue] = [:]) -> RunRecord {
        var r = RunRecord(id: id, kind: kind, commandLine: [], startedAt: Date(timeIntervalSince1970: seconds), config: config,
                          thawVersion: "0")
        r.name = name
        return r
    }

    func testAKindMeansItsLatestRunAndANameItsLatestNamedRun() throws {
        let registry = RunRegistry(folder: folder)
        try registry.save(run("sweep-20260101-000010-aaaa", .sweep, at: 10))
        try registry.save(run("sweep-20260101-000030-bbbb", .sweep, at: 30, name: "wide"))
        try registry.save(run("sweep-20260101-000020-cccc", .sweep, at: 20, name: "wide"))
        try registry.save(run("fit-20260101-000005-dddd", .fit, at: 5))
        XCTAssertEqual(try registry.find("sweep").id, "sweep-20260101-000030-bbbb")
        XCTAssertEqual(try registry.find("wide").id, "sweep-20260101-000030-bbbb")
        XCTAssertEqual(try registry.find("fit").id, "fit-20260101-000005-dddd")
        XCTAssertEqual(try registry.find("sweep-20260101-000010").id, "sweep-20260101-000010-aaaa")
        XCTAssertThrowsError(try registry.find("finetune")) { error in
            XCTAssertTrue("\(error)".contains("no run 'finetune'"), "\(error)")
        }
    }

    func testARecordWrittenBeforeNamesExistedStillReads() throws {
        let old = """
            {"blasKernel":"Haswell","cache":"c","commandLine":["thaw","fit"],"config":{"head":"linear","pooling":"none","tap":"pool","optimizer":"adamw"},
             "epochs":[],"id":"fit-20261101-101010-abcd","kind":"fit","metrics":{"test_top1":0.5},"startedAt":"2026-11-01T10:10:10Z",
             "thawVersion":"0.1.0","wallSeconds":1.5}
            """
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(old.utf8).write(to: folder.appendingPathComponent("fit-20261101-101010-abcd.json"))
        let record = try RunRegistry(folder: folder).find("fit")
        XCTAssertNil(record.name)
        XCTAssertEqual(record.label, "fit (linear, pool)")
    }

    func testShortLabelsAndRepeatedLabelsTellRunsApart() {
        let sweep = run("sweep-a", .sweep, at: 3600, config: ["heads": .array(["linear", "mlp-512"]), "taps": .array(["blocks.11"]),
                                                              "poolings": .array(["avg", "max"]), "optimizer": "adamw"])
        XCTAssertEqual(sweep.label, "sweep (linear/mlp-512, blocks.11 avg/max)")
        XCTAssertEqual(run("f", .finetune, at: 0, config: ["from": "blocks.11"]).label, "finetune (from blocks.11)")
        XCTAssertEqual(run("l", .fit, at: 0, config: ["optimizer": "lbfgs", "head": "linear", "tap": "pool", "pooling": "none"]).label,
                       "fit (lbfgs, pool)")
        let a = run("fit-1", .fit, at: 60, config: ["head": "linear", "tap": "pool", "pooling": "none"])
        var b = a; b.id = "fit-2"; b.startedAt = Date(timeIntervalSince1970: 125)
        var c = a; c.id = "fit-3"; c.startedAt = b.startedAt
        let named = run("fit-4", .fit, at: 0, name: "mine")
        XCTAssertEqual(RunRecord.labels([a, b, c, named, sweep]),
                       ["fit (linear, pool) 00:01:00", "fit (linear, pool) fit-2", "fit (linear, pool) fit-3", "mine",
                        "sweep (linear/mlp-512, blocks.11 avg/max)"])
    }
}
