import Foundation
import XCTest
@testable import ThawRuns

final class RunRegistryTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-runs-\(UUID().uuidString)")
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testSaveAndReadBackInTimeOrder() throws {
        let registry = RunRegistry(folder: folder)
        let later = RunRecord(id: "fit-b", kind: .fit, commandLine: ["thaw", "fit"], startedAt: Date(timeIntervalSince1970: 2000),
                              metrics: ["test_top1": 0.91], thawVersion: "0.1.0")
        let earlier = RunRecord(id: "extract-a", kind: .extract, commandLine: ["thaw", "extract"],
                                startedAt: Date(timeIntervalSince1970: 1000),
                                config: ["taps": .array(["pool", "blocks.11"])], epochs: [["loss": 0.5]], thawVersion: "0.1.0")
        try registry.save(later)
        try registry.save(earlier)
        let all = try registry.all()
        XCTAssertEqual(all.map(\.id), ["extract-a", "fit-b"])
        XCTAssertEqual(all[1], later)
        XCTAssertEqual(all[0].config["taps"], .array(["pool", "blocks.11"]))
    }

    func testFindByUniquePrefixAndReportAmbiguity() throws {
        let registry = RunRegistry(folder: folder)
        for id in ["fit-20260101-000000-aaaa", "fit-20260101-000000-bbbb", "sweep-20260101-000000-cccc"] {
            try registry.save(RunRecord(id: id, kind: .fit, commandLine: [], startedAt: Date(), thawVersion: "0"))
        }
        XCTAssertEqual(try registry.find("sweep").id, "sweep-20260101-000000-cccc")
        XCTAssertThrowsError(try registry.find("fit-2026")) { error in
            XCTAssertTrue("\(error)".contains("matches 2 runs"), "\(error)")
        }
        XCTAssertThrowsError(try registry.find("nope")) { error in
            XCTAssertTrue("\(error)".contains("no run 'nope'"), "\(error)")
        }
    }

    func testForeignJSONIsNamed() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("{\"hello\": 1}".utf8).write(to: folder.appendingPathComponent("stray.json"))
        XCTAssertThrowsError(try RunRegistry(folder: folder).all()) { error in
            XCTAssertTrue("\(error)".contains("stray.json"), "\(error)")
        }
    }

    func testRegistrySitsBesideTheCache() {
        XCTAssertEqual(RunRegistry.beside(cache: "cache/fmnist/").folder.lastPathComponent, "fmnist.runs")
    }

    func testPeakMemoryIsReadable() throws {
        // Current first: the peak read afterwards can only be as large or larger.
        let current = try XCTUnwrap(PeakMemory.currentResidentBytes())
        let peak = try XCTUnwrap(PeakMemory.residentBytes())
        XCTAssertGreaterThanOrEqual(peak, current)
        XCTAssertGreaterThan(current, 1 << 20)
    }
}
