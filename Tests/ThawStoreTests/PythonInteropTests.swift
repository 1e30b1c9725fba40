import Foundation
import XCTest
@testable import ThawStore

/// scripts/read_cache.py (lmdb + numpy, following docs/cache-format.md) reads what Thaw wrote.
final class PythonInteropTests: XCTestCase {
    private func python(_ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    func testPythonReaderMatchesExport() throws {
        guard (try? python(["-c", "import lmdb, numpy"]))?.status == 0 else {
            throw XCTSkip("needs python3 with lmdb and numpy: pip install lmdb numpy")
        }
        let path = temporaryCachePath()
        _ = try writeSamples(path, testManifest(count: 12, views: 2), 0..<12)
        let dir = (path as NSString).deletingLastPathComponent
        let r = try CacheReader(path: path)
        for tap in testTaps.map(\.name) {
            _ = try r.export(tap: tap, to: "\(dir)/\(tap).swift.npy", labelsTo: "\(dir)/labels.swift.npy")
            let run = try python([packageRoot + "/scripts/read_cache.py", path, tap, "\(dir)/\(tap).py.npy",
                                  "--labels", "\(dir)/labels.py.npy"] + (tap == "pool" ? ["--check"] : []))
            XCTAssertEqual(run.status, 0, run.output)
            let swift = try readNPY("\(dir)/\(tap).swift.npy"), py = try readNPY("\(dir)/\(tap).py.npy")
            XCTAssertEqual(py.shape, swift.shape, tap)
            XCTAssertEqual(py.data, swift.data, "tap \(tap): Python and Swift decode differently")
            XCTAssertEqual(try readNPY("\(dir)/labels.py.npy").data, try readNPY("\(dir)/labels.swift.npy").data)
        }
    }
}
