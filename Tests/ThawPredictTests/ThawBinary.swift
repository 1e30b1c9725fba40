import Foundation
import XCTest

/// The built `thaw` binary (THAW_BIN, else .build/release/thaw, else .build/debug/thaw) run as a user
/// would: arguments in, exit status, stdout and stderr out. A missing binary fails the test.
struct ThawBinary {
    let path: String
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func find() throws -> ThawBinary {
        let env = ProcessInfo.processInfo.environment
        let candidates = env["THAW_BIN"].map { [$0] } ?? [root + "/.build/release/thaw", root + "/.build/debug/thaw"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw MissingBinary(description: "no built thaw binary at \(candidates.joined(separator: " or ")): run `swift build -c release --product thaw` (or set THAW_BIN)")
        }
        return ThawBinary(path: path)
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:] }
    }

    /// `environment` entries replace (or, as nil, remove) the test process's variables.
    func run(_ args: [String], environment: [String: String?] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            p.environment = env
        }
        // stderr goes to a file, so neither stream can fill a pipe and block the child.
        let errPath = NSTemporaryDirectory() + "thaw-stderr-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: errPath)
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs and requires exit status 0.
    @discardableResult
    func ok(_ args: [String], environment: [String: String?] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let r = try run(args, environment: environment)
        XCTAssertEqual(r.status, 0, "thaw \(args.joined(separator: " ")) failed:\n\(r.stdout)\n\(r.stderr)", file: file, line: line)
        return r
    }
}

struct MissingBinary: Error, CustomStringConvertible { var description: String }

extension ThawBinary {
    /// For a test class's `setUpWithError`: the binary exists and every fixture extraction its class `setUp`
    /// ran succeeded; a failed one fails the test (never a skip) with its stderr.
    static func requireFixtures(_ extractions: [Result?], file: StaticString = #filePath, line: UInt = #line) throws {
        _ = try find()
        for e in extractions where e?.status != 0 {
            XCTFail("fixture extraction failed: \(e?.stderr ?? "not run")", file: file, line: line)
            throw MissingBinary(description: "fixture extraction failed")
        }
    }
}

extension ThawBinary {
    /// `scripts/onnx_vs_predict.py`: ONNX Runtime on `onnx` against `thaw predict --bundle bundle` on the same `inputs`
    /// (sentences, image files or `--data …` arguments); asserts exit status 0 and its "(OK)" line.
    func assertONNXMatchesPredict(bundle: String, onnx: String, inputs: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", ThawBinary.root + "/scripts/onnx_vs_predict.py", path, bundle, onnx] + inputs
        let out = Pipe()
        check.standardOutput = out
        check.standardError = out
        try check.run()
        let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        XCTAssertEqual(check.terminationStatus, 0, log, file: file, line: line)
        XCTAssertTrue(log.contains("(OK)"), log, file: file, line: line)
    }
}
