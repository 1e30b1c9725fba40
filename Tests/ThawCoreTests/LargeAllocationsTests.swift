import Foundation
import ThawCore
import XCTest

/// A fixed mmap threshold gives a freed large buffer back to the system at once: the resident set drops by it.
final class LargeAllocationsTests: XCTestCase {
    /// Resident anonymous memory in bytes, from /proc/self/smaps_rollup (walked on every read). Pitfall: RssAnon of
    /// /proc/self/status is summed from per-thread counters the kernel folds in lazily, so in a process with many
    /// threads (the whole test suite) it can miss a 16 MiB change entirely.
    func residentAnonymous() throws -> Int {
        let rollup = try XCTUnwrap(ProcFile.read("/proc/self/smaps_rollup"), "no /proc/self/smaps_rollup")
        let line = try XCTUnwrap(rollup.split(separator: "\n").first { $0.hasPrefix("Anonymous:") }, "no Anonymous in smaps_rollup")
        return try XCTUnwrap(Int(line.split(separator: " ").dropFirst().first ?? "")) * 1024
    }

    func testAFreedLargeBufferLeavesTheResidentSet() throws {
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
        XCTAssertGreaterThan(held - after, bytes * 3 / 4, "freed 16 MiB, RssAnon \(held) → \(after) B")
    }
}
