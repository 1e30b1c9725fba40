import Foundation
import ThawStore
import XCTest

/// `thaw extract --batch` (default 32): on CPUs with the packed kernels (AVX-512, or AVX2 + FMA) Lite0 forwards the
/// whole decode batch, elsewhere blocks of 16; the run record says which, and the records equal those of
/// `--batch 16` byte for byte.
final class ExtractForwardCLITests: XCTestCase {
    /// Whether the CPU runs one of the packed-kernel builds (`VectorISA.packedKernels`: CPUFeatures.hasAVX512, or
    /// AVX2 and FMA), read from /proc/cpuinfo.
    private var hasPackedKernels: Bool {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        return ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(flags.contains)
            || ["avx2", "fma"].allSatisfy(flags.contains)
    }

    private func extract(_ cache: String, _ extra: [String], in folder: String) throws -> [String: Any] {
        let r = try ThawBinary.run(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--cache", cache,
                                    "--tap", "pool", "--tap", "blocks.11", "--image-size", "64", "--limit", "20", "--json"] + extra, in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        XCTAssertEqual(summary["committed"] as? Int, 40)
        let recordPath = try XCTUnwrap(summary["runRecord"] as? String)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: recordPath))) as? [String: Any]
        return try XCTUnwrap(record?["config"] as? [String: Any])
    }

    func testDefaultBatchForwards32AndSameRecordsAsBatch16() throws {
        let folder = NSTemporaryDirectory() + "thaw-cli-forward-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let wide = try extract("wide", [], in: folder)
        XCTAssertEqual(wide["batch"] as? Int, 32)
        XCTAssertEqual(wide["forwardSamples"] as? Int, hasPackedKernels ? 32 : 16)
        let narrow = try extract("narrow", ["--batch", "16"], in: folder)
        XCTAssertEqual(narrow["batch"] as? Int, 16)
        XCTAssertEqual(narrow["forwardSamples"] as? Int, 16)

        let a = try CacheReader(path: folder + "/wide"), b = try CacheReader(path: folder + "/narrow")
        XCTAssertEqual(a.manifest.sampleCount, 40)
        for i in 0..<a.manifest.sampleCount {
            let x = try XCTUnwrap(a.sample(at: i, view: 0)), y = try XCTUnwrap(b.sample(at: i, view: 0))
            XCTAssertEqual(Record.encode(x, manifest: a.manifest), Record.encode(y, manifest: b.manifest), "record #\(i)")
        }

        let help = try ThawBinary.run(["extract", "--help"])
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")   // help wraps at 80 columns
        XCTAssertTrue(flat.contains("never the bytes. (default: 32)"), help.stdout)
    }
}
