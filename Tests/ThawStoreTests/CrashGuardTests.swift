import CCrashGuard
import Foundation
import ThawStore
import XCTest

/// The crash guard in a forked child: a fatal signal inside a guarded region ends the process with
/// status 74 and the region's message; the same signal outside any region is not swallowed.
final class CrashGuardTests: XCTestCase {
    func testSignalInsideARegionExitsWith74AndTheMessage() throws {
        let (status, stderr) = try runChild(guarded: true, signal: SIGSEGV)
        XCTAssertEqual(status, .exited(CacheCrashGuard.exitStatus), stderr)
        XCTAssertTrue(stderr.contains("SIGSEGV while reading or writing a feature cache. cache C is damaged"), stderr)
    }

    func testLMDBAssertionAbortIsCaughtToo() throws {
        let (status, stderr) = try runChild(guarded: true, signal: SIGABRT)
        XCTAssertEqual(status, .exited(CacheCrashGuard.exitStatus), stderr)
        XCTAssertTrue(stderr.contains("SIGABRT"), stderr)
    }

    func testSignalOutsideARegionStillKillsTheProcess() throws {
        let (status, stderr) = try runChild(guarded: false, signal: SIGABRT)
        XCTAssertNotEqual(status, .exited(CacheCrashGuard.exitStatus), stderr)
        XCTAssertFalse(stderr.contains("feature cache"), stderr)
    }

    private enum ChildStatus: Equatable { case exited(Int32), signalled(Int32) }

    /// Forks; the child installs the guard, optionally enters a region, raises `signal` and would
    /// exit 0 if it survived. Returns how it ended and what it wrote to stderr.
    private func runChild(guarded: Bool, signal: Int32) throws -> (ChildStatus, String) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let message = strdup("cache C is damaged.")!
        defer { free(message) }
        let pid = fork()
        if pid == 0 {
            dup2(fds[1], STDERR_FILENO)
            close(fds[0])
            // The XCTest runner's own handlers would report the raise as a test crash: start from the defaults.
            for s in [SIGSEGV, SIGBUS, SIGABRT, SIGFPE] { Foundation.signal(s, SIG_DFL) }
            CacheCrashGuard.install()
            if guarded { _ = thaw_crash_guard_enter(message) }
            raise(signal)
            _exit(0)
        }
        XCTAssertGreaterThan(pid, 0, "fork failed")
        close(fds[1])
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            output.append(contentsOf: buffer[0..<n])
        }
        close(fds[0])
        var raw: Int32 = 0
        XCTAssertEqual(waitpid(pid, &raw, 0), pid)
        let text = String(decoding: output, as: UTF8.self)
        // <sys/wait.h> macros are not imported: low 7 bits are the signal, 0 means a normal exit.
        let signalled = raw & 0x7f
        return (signalled == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signalled), text)
    }
}
