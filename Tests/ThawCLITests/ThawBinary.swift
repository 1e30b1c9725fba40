import Foundation
import XCTest

/// Runs the `thaw` binary that `swift build` left beside the test bundle (same configuration).
enum ThawBinary {
    /// `signalled`: the process died of a signal (`status` is then the signal's number).
    struct Result { var status: Int32; var stdout: String; var stderr: String; var signalled = false }

    /// `.build/<triple>/<configuration>/thaw`, beside the test runner executable.
    static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("thaw").path
    }

    static func run(_ arguments: [String], in folder: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("\(path) is missing: run `swift build --build-tests` first", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, stderr on another thread: a full pipe would block the child.
        final class Box: @unchecked Sendable { var data = Data() }   // written by one thread, read after wait()
        let stderr = Box()
        let stderrRead = DispatchGroup()
        stderrRead.enter()
        DispatchQueue.global().async {
            stderr.data = err.fileHandleForReading.readDataToEndOfFile()
            stderrRead.leave()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        stderrRead.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr.data, as: UTF8.self), signalled: process.terminationReason == .uncaughtSignal)
    }

    /// Runs `arguments`, expecting a clean refusal (exit status 64 for a usage error, or 1) whose
    /// stderr contains every fragment — never a trap (status 132/133/134 or a signal).
    static func expectRefusal(_ arguments: [String], _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        guard let r = try? run(arguments, file: file, line: line) else { return }
        XCTAssert([1, 64].contains(r.status), "thaw \(arguments.joined(separator: " ")): exit status \(r.status)\n\(r.stderr)", file: file, line: line)
        for f in fragments where !r.stderr.contains(f) {
            XCTFail("thaw \(arguments.joined(separator: " ")): stderr lacks \"\(f)\":\n\(r.stderr)", file: file, line: line)
        }
    }
}
