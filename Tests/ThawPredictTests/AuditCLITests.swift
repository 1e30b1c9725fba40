import Foundation
import XCTest

/// `thaw cache audit` end to end through the binary: 20 Fashion-MNIST images per split through
/// EfficientNet-Lite0 stored as f16 (the default) and as f32, 4 BBC News articles per split as bf16.
final class AuditCLITests: XCTestCase {
    static var caches = FixtureCaches()
    var thaw: ThawBinary { try! ThawBinary.find() }

    override class func setUp() {
        super.setUp()
        caches = FixtureCaches.extract("audit", imagesPerSplit: 20, textsPerSplit: 4)
    }

    override class func tearDown() {
        caches.remove()
        super.tearDown()
    }

    override func setUpWithError() throws { try Self.caches.require() }

    private func taps(_ json: [String: Any]) throws -> [[String: Any]] {
        try XCTUnwrap(json["taps"] as? [[String: Any]], "no taps in \(json)")
    }

    func testHalfPrecisionErrorIsWithinItsRoundingAndTheProbeIsReported() throws {
        let out = try thaw.ok(["cache", "audit", Self.caches.images, "--samples", "40"])
        XCTAssertTrue(out.stdout.contains("audited 40 samples"), "all three blocks (16 + 16 + 8) of the 40 records:\n\(out.stdout)")
        for header in ["max |error|", "probe stored", "probe f32", "Δ top-1", "agree"] {
            XCTAssertTrue(out.stdout.contains(header), "\(header) missing:\n\(out.stdout)")
        }
        let json = try thaw.ok(["cache", "audit", Self.caches.images, "--samples", "40", "--json"]).json
        let rows = try taps(json)
        XCTAssertEqual(Set(rows.compactMap { $0["name"] as? String }), ["pool", "blocks.11"], "every tap of the cache")
        for row in rows {
            let rel = try XCTUnwrap(row["maxRelativeError"] as? Double)
            let maxAbs = try XCTUnwrap(row["maxAbsError"] as? Double)
            XCTAssertEqual(row["dtype"] as? String, "f16")
            // f16 keeps 11 significant bits: round-to-nearest is off by at most 2^-11 of the value.
            XCTAssertGreaterThan(maxAbs, 0, "f16 storage cannot be exact for real features")
            XCTAssertLessThanOrEqual(rel, 0.000_5, "\(row)")
            let probe = try XCTUnwrap(row["probe"] as? [String: Any], "\(row)")
            XCTAssertEqual(probe["trainRows"] as? Int, 20, "\(probe)")
            XCTAssertEqual(probe["testRows"] as? Int, 20, "\(probe)")
            let agreement = try XCTUnwrap(probe["agreement"] as? Double)
            XCTAssertTrue((0.0...1.0).contains(agreement), "\(probe)")
        }
        // The record is saved beside the cache and `thaw report` shows it.
        _ = try thaw.ok(["fit", "--cache", Self.caches.images, "--tap", "pool", "--epochs", "1"])
        let runs = try thaw.ok(["runs", "--cache", Self.caches.images]).stdout
        XCTAssertTrue(runs.contains("audit (40 samples)"), runs)
        let report = Self.caches.dir + "/audit-report.html"
        _ = try thaw.ok(["report", "--cache", Self.caches.images, "-o", report])
        let html = try String(contentsOfFile: report, encoding: .utf8)
        XCTAssertTrue(html.contains("<section id=\"audit\">") && html.contains("Storage precision audit"))
        XCTAssertTrue(html.contains("probe stored"), "the audit table is in the report")
    }

    /// A float32 cache re-extracted in the same forward blocks gives the same bits: every error is 0.
    /// (A sample computed in other company would differ by float32 rounding, so this also checks the blocks.)
    func testFloat32CacheHasNoErrorAtAll() throws {
        let cache = Self.caches.dir + "/fm32"
        _ = try thaw.ok(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "20", "--dtype", "f32",
                         "--tap", "pool", "--tap", "blocks.14", "--cache", cache])
        let rows = try taps(try thaw.ok(["cache", "audit", cache, "--samples", "24", "--seed", "3", "--json"]).json)
        XCTAssertEqual(rows.count, 2)
        for row in rows {
            XCTAssertEqual(row["maxAbsError"] as? Double, 0, "\(row)")
            XCTAssertEqual(row["meanAbsError"] as? Double, 0, "\(row)")
            let probe = try XCTUnwrap(row["probe"] as? [String: Any])
            XCTAssertEqual(probe["agreement"] as? Double, 1, "identical features give identical probes")
        }
    }

    func testTextCacheAsBFloat16() throws {
        let cache = Self.caches.dir + "/bbc-bf16"
        _ = try thaw.ok(["extract", "--model", "all-minilm-l6-v2", "--data", "bbc-news", "--limit", "8", "--dtype", "bf16", "--tap", "pool",
                         "--cache", cache])
        let rows = try taps(try thaw.ok(["cache", "audit", cache, "--samples", "16", "--json"]).json)
        let pool = try XCTUnwrap(rows.first)
        XCTAssertEqual(pool["dtype"] as? String, "bf16")
        // bf16 keeps 8 significant bits: at most 2^-8 of the value.
        let rel = try XCTUnwrap(pool["maxRelativeError"] as? Double)
        XCTAssertGreaterThan(rel, 0)
        XCTAssertLessThanOrEqual(rel, 0.004, "\(pool)")
    }

    func testOtherWeightsOrDataAreRefusedWithAFix() throws {
        let other = Self.caches.dir + "/other.safetensors"
        try Data(repeating: 7, count: 64).write(to: URL(fileURLWithPath: other))
        let weights = try thaw.run(["cache", "audit", Self.caches.images, "--weights", other])
        XCTAssertNotEqual(weights.status, 0)
        XCTAssertTrue(weights.stderr.contains("differs from the weights") && weights.stderr.contains("--weights"), weights.stderr)
        let data = try thaw.run(["cache", "audit", Self.caches.images, "--data", "mnist-5k"])
        XCTAssertNotEqual(data.status, 0)
        XCTAssertTrue(data.stderr.contains("differ from the data") || data.stderr.contains("has no sample"), data.stderr)
        let bad = try thaw.run(["cache", "audit", Self.caches.images, "--samples", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--samples 0"), bad.stderr)
    }
}
