import Foundation
import XCTest

/// `thaw sweep --shard i/N` then `--combine-dir` / `--combine` through the binary: the combined
/// record equals the unsharded sweep (table, choice, test predictions), whatever the shard files are called.
final class SweepShardCLITests: XCTestCase {
    static var caches = FixtureCaches()
    var thaw: ThawBinary { try! ThawBinary.find() }

    override class func setUp() {
        super.setUp()
        caches = FixtureCaches.extract("sweep-shards", imagesPerSplit: 20, textsPerSplit: 4)
    }

    override class func tearDown() {
        caches.remove()
        super.tearDown()
    }

    override func setUpWithError() throws { try Self.caches.require() }

    /// Table rows without their timings and validation losses (compared apart, see below).
    private func table(_ json: [String: Any]) throws -> [NSDictionary] {
        try rows(json).map { NSDictionary(dictionary: $0.filter { !$0.key.contains("seconds") && $0.key != "val_loss" }) }
    }

    private func rows(_ json: [String: Any]) throws -> [[String: Any]] {
        let metrics = try XCTUnwrap(json["metrics"] as? [String: Any])
        return try XCTUnwrap(metrics["table"] as? [[String: Any]])
    }

    func testShardsCombineToTheWholeSweepFromAFolderOrByFile() throws {
        let grid = ["--cache", Self.caches.images, "--tap", "pool", "--lr", "1e-3,1e-2,3e-2", "--head", "linear", "--head", "mlp:32",
                    "--epochs", "2", "--seed", "4"]
        let whole = try thaw.ok(["sweep"] + grid + ["--json"]).json
        let dir = Self.caches.dir + "/shards"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var files: [String] = []
        for i in 0..<3 {
            let shard = try thaw.ok(["sweep"] + grid + ["--shard", "\(i)/3", "--json"])
            let file = dir + "/task-\(i).json"          // not named by run id, as a job array's `--json > …` writes it
            try shard.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let fromDir = try thaw.ok(["sweep", "--combine-dir", dir, "--json"]).json
        let fromFiles = try thaw.ok(["sweep", "--combine"] + files + ["--json"]).json
        for combined in [fromDir, fromFiles] {
            XCTAssertEqual(try table(combined), try table(whole))
            // A shard stacks fewer heads into each GEMM, so the kernel's summation order (and the loss's last
            // bits) may differ: within 1e-6, relative; accuracies, choice and predictions are identical.
            for (a, b) in zip(try rows(combined), try rows(whole)) {
                let la = try XCTUnwrap(a["val_loss"] as? Double), lb = try XCTUnwrap(b["val_loss"] as? Double)
                XCTAssertLessThanOrEqual(abs(la - lb), 1e-6 * max(1, abs(lb)), "\(a) vs \(b)")
            }
            let m = try XCTUnwrap(combined["metrics"] as? [String: Any]), w = try XCTUnwrap(whole["metrics"] as? [String: Any])
            XCTAssertEqual(m["best"] as? Int, w["best"] as? Int)
            XCTAssertEqual(m["test_predictions"] as? [Int], w["test_predictions"] as? [Int])
            XCTAssertNotNil(w["test_predictions"] as? [Int])
        }
        let empty = Self.caches.dir + "/no-shards"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let refused = try thaw.run(["sweep", "--combine-dir", empty])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("no sweep run records to combine"), refused.stderr)
    }
}
