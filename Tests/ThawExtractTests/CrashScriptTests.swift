import Foundation
import ThawBackbones
import XCTest

/// Runs `scripts/crash_extract.sh` (≥10 SIGKILLs + resumes, then a record-by-record comparison
/// with an uninterrupted run) against the built `thaw` binary, when it and the model exist.
/// THAW_BIN picks the binary (default: .build/release/thaw, then .build/debug/thaw);
/// THAW_CRASH_MODEL the model (default: efficientnet-lite0).
final class CrashScriptTests: XCTestCase {
    func testCrashScriptLeavesAnIdenticalCache() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let env = ProcessInfo.processInfo.environment
        let candidates = env["THAW_BIN"].map { [$0] } ?? [root + "/.build/release/thaw", root + "/.build/debug/thaw"]
        guard let thaw = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no built thaw binary at \(candidates.joined(separator: " or ")): run `swift build -c release` (or set THAW_BIN)")
        }
        let model = env["THAW_CRASH_MODEL"] ?? "efficientnet-lite0"
        guard ModelCatalog.all.contains(where: { $0.name == model }) else {
            throw XCTSkip("model \(model) is not in the catalog of this build (known: \(ModelCatalog.all.map(\.name))); set THAW_CRASH_MODEL")
        }
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [root + "/scripts/crash_extract.sh", thaw, model]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, log)
        XCTAssertTrue(log.contains("identical to the uninterrupted run"), log)
    }
}
