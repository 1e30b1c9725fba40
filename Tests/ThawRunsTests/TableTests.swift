import XCTest
@testable import ThawRuns

final class TableTests: XCTestCase {
    func testColumnsAlignAndColourKeepsWidths() {
        var t = TextTable(header: ["name", "value"])
        t.append(["a", "1.5"])
        t.append([TextTable.Cell("longer"), TextTable.Cell("12.25", tint: .good)])
        XCTAssertEqual(t.text(), "name    value\n------  -----\na         1.5\nlonger  12.25")
        XCTAssertEqual(t.text(colour: true).split(separator: "\n")[3], "longer  \u{1B}[32m12.25\u{1B}[0m")
    }

    func testMarkdownEscapesPipes() {
        var t = TextTable(header: ["k", "v"])
        t.append(["a|b", "1"])
        XCTAssertEqual(t.markdown(), "| k | v |\n| --- | ---: |\n| a\\|b | 1 |")
    }

    func testListingFiltersAndPicksKeyMetrics() throws {
        let runs = [SampleRuns.extractRun, SampleRuns.fit, SampleRuns.sweepRun, SampleRuns.finetune]
        XCTAssertEqual(RunListing(runs: runs).entries.count, 4)
        XCTAssertEqual(RunListing(runs: runs, kind: .sweep).entries.map(\.id), [SampleRuns.sweepRun.id])
        XCTAssertEqual(RunListing(runs: runs, since: SampleRuns.date(30)).entries.count, 2)
        let e = RunListing(runs: runs).entries
        XCTAssertEqual(e[0].keyMetric, "samplesPerSecond")
        XCTAssertEqual(e[1].keyMetric, "test_top1")
        var sweepOnly = SampleRuns.sweepRun
        sweepOnly.metrics["test_top1"] = nil
        let (key, value) = RunListing.keyMetric(sweepOnly)
        XCTAssertEqual(key, "val_top1")
        XCTAssertEqual(value!, 0.865374, accuracy: 1e-5)   // mlp-512, lr 0.03, wd 0
        let text = RunListing(runs: runs).table().text()
        XCTAssertTrue(text.contains("test top-1 85.10%"), text)
        XCTAssertTrue(text.contains("18.2/s"), text)
    }

    func testSinceParsesDaysAndTimes() throws {
        XCTAssertEqual(RunListing.parseDate("2026-11-18")?.timeIntervalSince1970, 1_794_960_000)
        XCTAssertEqual(RunListing.parseDate("2026-11-18T06:00:00Z")?.timeIntervalSince1970, 1_794_960_000 + 21_600)
        XCTAssertNil(RunListing.parseDate("yesterday"))
    }
}
