import Foundation
import ThawCore
import XCTest

/// A fixed mmap threshold gives a freed large buffer back to the system at once: the resident set drops by it.
///
/// Pitfall: glibc maps a request of the threshold's size only when its heap cannot serve it, and a process that
/// already freed large heap blocks (the rest of the suite: fine-tuning keeps up to 1 GB of freed heap) serves the
/// buffer from that heap whatever the threshold. So the measurement runs in a fresh process, like `thaw extract`,
/// which fixes the threshold before it allocates anything large: this test binary, started again on this test alone.
final class LargeAllocationsTests: XCTestCase {
    static let childVariable = "THAW_LARGE_ALLOCATIONS_CHILD"

    func testAFreedLargeBufferLeavesTheResidentSet() throws {
        if ProcessInfo.processInfo.environment[Self.childVariable] == "1" { return try measureInThisProcess() }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["ThawCoreTests.LargeAllocationsTests/testAFreedLargeBufferLeavesTheResidentSet"]
        child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: "1"]) { $1 }
        let pipe = Pipe()
        child.standardOutput = pipe
        child.standardError = pipe
        try child.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0, "the measurement in a fresh process failed:\n\(output)")
        XCTAssertTrue(output.contains("Executed 1 test, with 0 failures"), "the fresh process did not run the measurement:\n\(output)")
    }

    private func measureInThisProcess() throws {
        XCTAssertTrue(LargeAllocations.mapBuffers(atLeast: 256 << 10), "glibc's mallopt(M_MMAP_THRESHOLD) refused 256 KiB")
        let bytes = 16 << 20
        // A larger buffer freed first: without the fixed threshold this free would raise glibc's threshold to
        // 24 MiB, and the 16 MiB buffer would come from the heap, its pages kept after free.
        free(malloc(24 << 20))
        let buffer = try XCTUnwrap(malloc(bytes))
        memset(buffer, 1, bytes)   // resident
        let held = try residentAnonymous()
        free(buffer)
        let after = try residentAnonymous()
        XCTAssertGreaterThan(held - after, bytes * 3 / 4, "freed 16 MiB, anonymous resident memory \(held) → \(after) B")
    }

    /// Resident anonymous memory in bytes, from /proc/self/smaps_rollup (walked on every read). Pitfall: RssAnon of
    /// /proc/self/status is summed from per-thread counters the kernel folds in lazily, so in a process with many
    /// threads it can miss a 16 MiB change entirely.
    private func residentAnonymous() throws -> Int {
        let rollup = try XCTUnwrap(ProcFile.read("/proc/self/smaps_rollup"), "no /proc/self/smaps_rollup")
        let line = try XCTUnwrap(rollup.split(separator: "\n").first { $0.hasPrefix("Anonymous:") }, "no Anonymous in smaps_rollup")
        return try XCTUnwrap(Int(line.split(separator: " ").dropFirst().first ?? "")) * 1024
    }
}
