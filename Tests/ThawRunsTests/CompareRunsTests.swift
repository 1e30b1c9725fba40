import XCTest
@testable import ThawRuns

final class CompareRunsTests: XCTestCase {
    func testDeltasAgainstTheFirstRun() throws {
        let c = RunComparison(runs: [SampleRuns.fit, SampleRuns.finetune])
        let top1 = try XCTUnwrap(c.summary.first { $0.key == "test_top1" })
        XCTAssertEqual(top1.values[0]!, 0.851, accuracy: 1e-12)
        XCTAssertNil(top1.deltas[0])
        XCTAssertEqual(top1.deltas[1]!, 0.052, accuracy: 1e-9)
        XCTAssertEqual(c.perClass.count, 10)
        XCTAssertEqual(c.perClass[9].label, "<b>Ankle & \"boot\"</b>")
        XCTAssertEqual(c.perClass[3].deltas[1]!, 0.052, accuracy: 1e-9)
        XCTAssertTrue(c.notes.isEmpty, "\(c.notes)")
    }

    func testMissingMetricIsNamed() {
        var lacking = SampleRuns.finetune
        lacking.metrics["test_macro_f1"] = nil
        lacking.metrics["per_class_accuracy"] = nil
        lacking.peakRSSBytes = nil
        let c = RunComparison(runs: [SampleRuns.fit, lacking])
        XCTAssertTrue(c.notes.contains { $0.contains(lacking.id) && $0.contains("macro-F1") && $0.contains("test_macro_f1") }, "\(c.notes)")
        XCTAssertTrue(c.notes.contains { $0.contains("per_class_accuracy") }, "\(c.notes)")
        XCTAssertTrue(c.notes.contains { $0.contains("peak RSS") }, "\(c.notes)")
        let text = c.text(colour: false)
        XCTAssertTrue(text.contains("—"), text)
        XCTAssertTrue(text.contains("note: \(lacking.id) has no macro-F1"), text)
    }

    func testTextTintsBetterGreenWorseRed() {
        let c = RunComparison(runs: [SampleRuns.fit, SampleRuns.finetune])
        let coloured = c.text(colour: true)
        XCTAssertTrue(coloured.contains("\u{1B}[32m+5.20 pt\u{1B}[0m"), coloured)        // accuracy up: green
        XCTAssertTrue(coloured.contains("\u{1B}[31m×19.2\u{1B}[0m"), coloured)          // wall 21.5 s → 412 s: red
        XCTAssertFalse(c.text(colour: false).contains("\u{1B}"))
    }

    func testMarkdownAndJSON() throws {
        let c = RunComparison(runs: [SampleRuns.fit, SampleRuns.finetune])
        let md = c.markdown()
        XCTAssertTrue(md.contains("| test top-1 | 85.10% | 90.30% | +5.20 pt |"), md)
        XCTAssertTrue(md.contains("| T-shirt/top |"), md)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any]
        XCTAssertEqual((json?["runIDs"] as? [String])?.count, 2)
        XCTAssertEqual((json?["perClass"] as? [Any])?.count, 10)
    }

    func testMetricFormats() {
        let wall = CompareMetric.summary.first { $0.key == "wallSeconds" }!
        XCTAssertEqual(wall.format(21.5), "21.5 s")
        XCTAssertEqual(wall.format(412), "6 m 52 s")
        XCTAssertEqual(wall.format(3900), "1 h 05 m")
        let speed = CompareMetric.summary.first { $0.key == "samplesPerSecond" }!
        XCTAssertEqual(speed.format(52_000), "52,000/s")
        XCTAssertEqual(speed.format(18.25), "18.2/s")
        XCTAssertEqual(speed.format(nil), "—")
    }
}
