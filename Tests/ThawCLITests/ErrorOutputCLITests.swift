import Foundation
import XCTest

/// Every command prints a failure the same way: `Error: <file>: <problem>. Fix: <fix>` on stderr,
/// exit status 1 — whichever module threw it (weights, cache, bundle).
final class ErrorOutputCLITests: XCTestCase {
    private func assertShape(_ arguments: [String], file: String, problem: String, line: UInt = #line) throws {
        let r = try ThawBinary.run(arguments, line: line)
        XCTAssertEqual(r.status, 1, r.stderr, line: line)
        let errorLines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
        XCTAssertEqual(errorLines.count, 1, r.stderr, line: line)
        let text = String(errorLines.first ?? "")
        XCTAssertTrue(text.hasPrefix("Error: \(file): "), text, line: line)
        XCTAssertTrue(text.contains(problem), text, line: line)
        XCTAssertTrue(text.contains(". Fix: "), text, line: line)
    }

    func testWeightsCacheAndBundleErrorsShareOneShape() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-error-shape-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let junk = dir + "/junk.bin"
        try Data("not weights".utf8).write(to: URL(fileURLWithPath: junk))
        try assertShape(["weights", "inspect", junk], file: junk, problem: "is not a safetensors file")   // ThawWeights
        try assertShape(["cache", "info", dir + "/none"], file: dir + "/none", problem: "no LMDB cache here")   // ThawStore
        try assertShape(["bundle", "inspect", junk], file: junk, problem: "is not a readable model bundle")   // ThawBundle
    }
}
