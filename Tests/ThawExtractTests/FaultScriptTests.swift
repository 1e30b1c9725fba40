import Foundation
import XCTest

/// The fast variants of `scripts/faults/` (a few kills, each fault once) against the built `thaw`
/// binary (THAW_BIN, else .build/release/thaw, else .build/debug/thaw): kills of extract, sweep and
/// finetune with resume, a full disk, readers beside a writer, damaged caches. Each script prints a
/// one-line summary ending the log; the long variants (50 kills) are run by hand, see scripts/faults/README.md.
final class FaultScriptTests: XCTestCase {
    func testKillExtractResumesToAnIdenticalCache() throws { try runFault("kill_extract.sh", ["2"]) }
    func testKillSweepResumesToTheSameTable() throws { try runFault("kill_sweep.sh", ["3"]) }
    func testKillFinetuneResumesToTheSameWeights() throws { try runFault("kill_finetune.sh", ["2"], env: ["EPOCHS": "2"]) }
    func testDiskFullIsACleanErrorAndResumes() throws { try runFault("disk_full.sh", [], env: ["LEVELS": "50"]) }
    func testReadersBesideAWriterSeeOnlyCommittedRecords() throws { try runFault("concurrent_read.sh", []) }
    func testDamagedCachesAreNamedAndRefused() throws { try runFault("corrupt.sh", []) }

    private func runFault(_ script: String, _ args: [String], env extra: [String: String] = [:]) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let env = ProcessInfo.processInfo.environment
        let candidates = env["THAW_BIN"].map { [$0] } ?? [root + "/.build/release/thaw", root + "/.build/debug/thaw"]
        guard let thaw = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no built thaw binary at \(candidates.joined(separator: " or ")): run `swift build -c release` (or set THAW_BIN)")
        }
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist")
        }
        guard try shell("/usr/bin/env", ["python3", "-c", "import lmdb, numpy"]).status == 0 else {
            throw XCTSkip("python3 with lmdb and numpy is needed: pip install lmdb numpy")
        }
        var environment = env
        environment.merge(extra) { $1 }
        let (status, log) = try shell("/bin/bash", [root + "/scripts/faults/" + script, thaw] + args, environment: environment)
        let name = script.replacingOccurrences(of: ".sh", with: "")
        XCTAssertEqual(status, 0, log)
        XCTAssertTrue(log.contains("\(name): OK"), log)
        print(log.split(separator: "\n").last(where: { $0.hasPrefix(name) }) ?? log)
    }

    private func shell(_ tool: String, _ args: [String], environment: [String: String]? = nil) throws -> (status: Int32, log: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        if let environment { p.environment = environment }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, log)
    }
}
