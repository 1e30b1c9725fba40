import Foundation
import XCTest

/// `thaw doctor` through the binary: a kernel forced with OPENBLAS_CORETYPE is measured against the
/// kernel Thaw picks for this CPU, and a slow one is named with both figures.
final class DoctorCLITests: XCTestCase {
    func testForcedKernelIsMeasuredAgainstThawsChoice() throws {
        let thaw = try ThawBinary.find()
        let cacheHome = try temporaryFolder()   // doctor stores its figures there, not in the user's cache
        let env: [String: String?] = ["OPENBLAS_CORETYPE": "Prescott", "XDG_CACHE_HOME": cacheHome]
        let forced = try thaw.ok(["doctor", "--json", "--seconds", "0.5", "--size", "512"], environment: env).json
        let blas = try XCTUnwrap(forced["blas"] as? [String: Any])
        XCTAssertEqual(blas["chosenBy"] as? String, "user")
        let simd = (forced["cpu"] as? [String: Any])?["simd"] as? [String] ?? []
        guard simd.contains(where: { $0.lowercased().hasPrefix("avx2") }) else {
            // Without AVX2 Thaw leaves the kernel to OpenBLAS, which may pick Prescott itself: nothing to compare.
            return
        }
        let k = try XCTUnwrap(forced["forcedKernel"] as? [String: Any], "doctor did not compare the forced kernel: \(forced)")
        XCTAssertEqual(k["forced"] as? String, "Prescott")
        let slow = try XCTUnwrap(k["forcedGFLOPS"] as? Double), fast = try XCTUnwrap(k["bestGFLOPS"] as? Double)
        XCTAssertTrue(slow > 0 && fast > 0 && slow.isFinite && fast.isFinite, "\(k)")
        // The SSE3 kernel against an AVX2/AVX-512 one: several times slower on every CPU seen here.
        XCTAssertLessThan(slow, fast, "\(k)")
        // The SSE3 kernel is several times slower than an AVX2 one: past the 20% limit, so doctor warns with both figures.
        let text = try thaw.ok(["doctor", "--seconds", "0.5", "--size", "512"], environment: env).stdout
        XCTAssertTrue(text.contains("kernel   forced Prescott"), text)
        XCTAssertTrue(text.contains("warning: OPENBLAS_CORETYPE=Prescott runs sgemm at "), text)
        XCTAssertTrue(text.contains("Fix: unset OPENBLAS_CORETYPE"), text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cacheHome + "/thaw/forced-kernel.json"), "doctor keeps its figures for extract")

        let own = try thaw.ok(["doctor", "--json", "--seconds", "0.2", "--size", "256"], environment: ["OPENBLAS_CORETYPE": nil, "XDG_CACHE_HOME": cacheHome]).json
        XCTAssertNil(own["forcedKernel"] ?? nil, "no comparison when Thaw chose the kernel")
    }

    /// `thaw extract` warns from the figures `thaw doctor` stored (no measurement of its own): edited figures
    /// show up verbatim, and a forced kernel within 20% of Thaw's gets no warning.
    func testExtractWarnsFromTheStoredFigures() throws {
        let thaw = try ThawBinary.find()
        let cacheHome = try temporaryFolder()
        let env: [String: String?] = ["OPENBLAS_CORETYPE": "Prescott", "XDG_CACHE_HOME": cacheHome]
        let doctor = try thaw.ok(["doctor", "--json", "--seconds", "0.3", "--size", "256"], environment: env).json
        let simd = (doctor["cpu"] as? [String: Any])?["simd"] as? [String] ?? []
        guard simd.contains(where: { $0.lowercased().hasPrefix("avx2") }) else { return }   // no kernel of Thaw's own to compare
        let file = cacheHome + "/thaw/forced-kernel.json"
        func setStored(forced: Double, best: Double) throws {
            var all = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: [String: Any]])
            XCTAssertEqual(all.count, 1, "one entry for this machine: \(all.keys)")
            for (key, var entry) in all {
                var c = try XCTUnwrap(entry["comparison"] as? [String: Any])
                XCTAssertEqual(c["forced"] as? String, "Prescott")
                c["forcedGFLOPS"] = forced
                c["bestGFLOPS"] = best
                entry["comparison"] = c
                all[key] = entry
            }
            try JSONSerialization.data(withJSONObject: all).write(to: URL(fileURLWithPath: file))
        }
        func extract(_ name: String) throws -> String {
            try thaw.ok(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "1",
                         "--cache", cacheHome + "/" + name, "--tap", "pool"], environment: env).stderr
        }
        try setStored(forced: 50, best: 400)
        let slow = try extract("slow")
        XCTAssertTrue(slow.contains("warning: OPENBLAS_CORETYPE=Prescott runs sgemm at 50 GFLOP/s;"), slow)
        XCTAssertTrue(slow.contains("runs 400 (8.0× faster)"), slow)
        XCTAssertEqual(slow.components(separatedBy: "OPENBLAS_CORETYPE=").count, 2, "one line: \(slow)")

        try setStored(forced: 390, best: 400)
        let close = try extract("close")
        XCTAssertFalse(close.contains("OPENBLAS_CORETYPE"), "2.5% slower is no reason to warn: \(close)")
    }

    /// The deps.sh record (THAW_SHARE/site-packages) is read in order; a line whose folder is gone is named with the fix,
    /// and the folders looked in are listed, so a "missing" asset can be traced to where Thaw looked.
    func testStaleSitePackagesRecordIsNamed() throws {
        let thaw = try ThawBinary.find()
        let share = try temporaryFolder(), live = try temporaryFolder()
        let gone = share + "/removed-checkout/.venv/lib/python3.11/site-packages"
        try "\(gone)\n\(live)\n".write(toFile: share + "/site-packages", atomically: true, encoding: .utf8)
        let env: [String: String?] = ["THAW_SHARE": share, "XDG_CACHE_HOME": share]
        let json = try thaw.ok(["doctor", "--json", "--seconds", "0"], environment: env).json
        XCTAssertEqual(json["staleSitePackages"] as? [String], [gone])
        let roots = try XCTUnwrap(json["sitePackages"] as? [String])
        XCTAssertEqual(roots.first, live, "the record's live folder comes first: \(roots)")
        XCTAssertFalse(roots.contains(gone), "\(roots)")
        let text = try thaw.ok(["doctor", "--seconds", "0"], environment: env).stdout
        XCTAssertTrue(text.contains("looked in: \(live)"), text)
        XCTAssertTrue(text.contains("names \(gone), which no longer exists"), text)
        XCTAssertTrue(text.contains("Fix: run scripts/deps.sh in your Thaw checkout"), text)

        try "\(live)\n".write(toFile: share + "/site-packages", atomically: true, encoding: .utf8)
        let clean = try thaw.ok(["doctor", "--seconds", "0"], environment: env).stdout
        XCTAssertFalse(clean.contains("no longer exists"), clean)
    }

    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "thaw-doctor-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
