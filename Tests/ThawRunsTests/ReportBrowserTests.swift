import Foundation
import XCTest
@testable import ThawRuns

/// Renders a sample report in headless Chromium through `scripts/check_report.sh`
/// (console errors, external loads, empty charts, screenshot). Skipped without Chromium.
final class ReportBrowserTests: XCTestCase {
    func testReportRendersInHeadlessChromium() throws {
        guard ["/usr/bin/chromium", "/usr/bin/chromium-browser"].contains(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("Chromium is not installed: apt-get install -y chromium")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/check_report.sh")
        // THAW_REPORT_KEEP=DIR keeps report.html and report.png there to look at.
        let keep = ProcessInfo.processInfo.environment["THAW_REPORT_KEEP"]
        let folder = keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("thaw-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: folder) } }
        let page = folder.appendingPathComponent("report.html")
        let runs = [SampleRuns.fit, SampleRuns.sweepRun, SampleRuns.finetune]
        try Data(ReportHTML.render(runs: runs).utf8).write(to: page)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path, page.path, folder.appendingPathComponent("report.png").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("charts drawn"), text)
    }
}
