import Foundation
import XCTest

/// A short pass of `thaw-fuzz` (the ≥1,000,000-input run is `make fuzz`): every class of hostile
/// input, seeded mutations of real files, in worker processes; no worker may die or break an
/// invariant, and each class must both accept and refuse inputs (so the mutations reach the readers).
final class FuzzShortRunCLITests: XCTestCase {
    private var fuzzer: String {
        URL(fileURLWithPath: ThawBinary.path).deletingLastPathComponent().appendingPathComponent("thaw-fuzz").path
    }

    /// Runs `thaw-fuzz run --count N CLASSES` and checks its table: one row per class, 0 crashes.
    private func fuzz(_ count: Int, _ classes: [String]) throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: fuzzer), "\(fuzzer) is missing: run `swift build --build-tests`")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: fuzzer)
        p.arguments = ["run", "--count", String(count), "--seed", "7"] + classes
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit, text)
        XCTAssertEqual(p.terminationStatus, 0, text)
        for name in classes {
            let row = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix(name + " ") }, "no row for \(name):\n\(text)")
            let numbers = row.split(separator: " ").dropFirst().compactMap { Double($0) }
            XCTAssertEqual(numbers.count, 5, String(row))
            guard numbers.count == 5 else { continue }
            XCTAssertEqual(numbers[0], Double(count), String(row))
            XCTAssertGreaterThan(numbers[1], 0, "\(name): no input was accepted: \(row)")
            XCTAssertGreaterThan(numbers[2], 0, "\(name): no input was refused: \(row)")
            XCTAssertEqual(numbers[1] + numbers[2], Double(count), String(row))
            XCTAssertEqual(numbers[3], 0, "\(name): crashes\n\(text)")
        }
    }

    func testParsers() throws {
        try fuzz(10_000, ["weights", "idx", "manifest", "image"])
    }

    /// Each input writes a bundle file and reads it back.
    func testBundles() throws {
        try fuzz(10_000, ["bundle"])
    }

    /// Each input makes and removes a small tree of folders, files and links.
    func testFolderWalks() throws {
        try fuzz(5_000, ["folders"])
    }

    /// Each input writes, opens, walks, verifies and searches a whole cache (this debug build: ~5 ms).
    func testLMDBPageDamage() throws {
        try fuzz(1_000, ["lmdb"])
    }
}
