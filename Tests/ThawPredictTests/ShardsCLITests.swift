import Foundation
import XCTest

/// Work split over machines, end to end through the binary: `extract --shard i/N` + `cache merge` gives
/// the cache of one unsharded extraction (`cache verify`, `cache export` byte for byte), and
/// `sweep --shard i/N` + `sweep --combine-dir` gives the table and winner of the whole sweep.
/// Data: 20 Fashion-MNIST images per split (train and test) through EfficientNet-Lite0.
final class ShardsCLITests: XCTestCase {
    static var dir = ""
    static var extractions: [String: ThawBinary.Result] = [:]
    var thaw: ThawBinary { get throws { try ThawBinary.find() } }
    static var whole: String { dir + "/whole" }
    static func shard(_ i: Int) -> String { dir + "/shard\(i)" }

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "thaw-shards-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard let thaw = try? ThawBinary.find() else { return }
        for (cache, shard) in [(whole, "0/1"), (shard(0), "0/2"), (shard(1), "1/2")] {
            extractions[cache] = try? thaw.run(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "20",
                                                "--tap", "pool", "--shard", shard, "--cache", cache, "--json"])
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    override func setUpWithError() throws {
        _ = try ThawBinary.find()
        for cache in [Self.whole, Self.shard(0), Self.shard(1)] {
            let r = Self.extractions[cache]
            XCTAssertEqual(r?.status, 0, "extract into \(cache) failed: \(r?.stderr ?? "not run")")
            if r?.status != 0 { throw MissingBinary(description: "fixture extraction failed") }
        }
    }

    func testMergedShardsEqualTheUnshardedCacheByteForByte() throws {
        // Each shard holds a disjoint half of the 40 samples.
        let counts = try [0, 1].map { try XCTUnwrap(Self.extractions[Self.shard($0)]?.json["records"] as? Int) }
        XCTAssertEqual(counts.reduce(0, +), 40, "\(counts)")
        XCTAssertTrue(counts.allSatisfy { $0 > 0 }, "\(counts)")

        let merged = Self.dir + "/merged"
        let m = try thaw.ok(["cache", "merge", Self.shard(1), Self.shard(0), "--output", merged, "--json"]).json   // any order
        XCTAssertEqual(m["ok"] as? Bool, true, "\(m)")
        XCTAssertEqual(m["records"] as? Int, 40)

        let verify = try thaw.ok(["cache", "verify", merged]).stdout
        XCTAssertTrue(verify.contains("ok, 40 records, all checksums match"), verify)
        let report = try XCTUnwrap(try thaw.ok(["cache", "verify", merged, "--json"]).json["report"] as? [String: Any])
        XCTAssertEqual(report["recordsChecked"] as? Int, 40)
        XCTAssertEqual(report["missingCount"] as? Int, 0)
        XCTAssertEqual((report["badRecords"] as? [Any])?.count, 0)

        let info = try thaw.ok(["cache", "info", merged, "--json"]).json
        XCTAssertEqual(info["complete"] as? Bool, true)
        let manifest = try XCTUnwrap(info["manifest"] as? [String: Any])
        XCTAssertEqual(manifest["sampleCount"] as? Int, 40)
        XCTAssertEqual((manifest["shard"] as? [String: Any])?["count"] as? Int, 1, "a merged cache is whole")

        // Same features and labels, in the same order, as the unsharded extraction.
        for (cache, name) in [(Self.whole, "whole"), (merged, "merged")] {
            try thaw.ok(["cache", "export", cache, "--tap", "pool", "--output", Self.dir + "/\(name).npy"])
        }
        for suffix in [".npy", ".labels.npy"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/whole" + suffix))
            let b = try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/merged" + suffix))
            XCTAssertGreaterThan(a.count, 128, suffix)
            XCTAssertEqual(a, b, "cache export \(suffix): merged shards differ from the unsharded cache")
        }

        // A shard missing from the merge is refused, naming what is missing.
        let partial = try thaw.run(["cache", "merge", Self.shard(0), "--output", Self.dir + "/partial"])
        XCTAssertNotEqual(partial.status, 0)
        XCTAssertTrue(partial.stderr.contains("1/2") || partial.stderr.lowercased().contains("shard"), partial.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.dir + "/partial/data.mdb"), "nothing written on refusal")
    }

    func testShardedSweepCombinedFromAFolderEqualsTheWholeSweep() throws {
        let grid = ["--tap", "pool", "--lr", "0.003,0.03", "--weight-decay", "0,0.0001", "--epochs", "3"]
        let whole = try thaw.ok(["sweep", "--cache", Self.whole, "--json"] + grid).json
        // The shard records go into their own folder, as if copied back from two machines, under names of
        // the job's choosing (a job array's `--json > shards/$SLURM_ARRAY_TASK_ID.json`), not their ids.
        let folder = Self.dir + "/sweep-shards"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var shardIDs: [String] = []
        for i in 0..<2 {
            let r = try thaw.ok(["sweep", "--cache", Self.whole, "--shard", "\(i)/2", "--json"] + grid).json
            let id = try XCTUnwrap(r["id"] as? String)
            shardIDs.append(id)
            XCTAssertEqual((r["metrics"] as? [String: Any]).flatMap { ($0["table"] as? [Any])?.count }, 2, "shard \(i) trains half the grid")
            try FileManager.default.copyItem(atPath: Self.whole + ".runs/\(id).json", toPath: folder + "/task-\(i).json")
        }
        let combined = try thaw.ok(["sweep", "--combine-dir", folder, "--cache", Self.whole, "--json"]).json
        XCTAssertEqual((combined["config"] as? [String: Any])?["shard"] as? String, "combined")

        func rows(_ run: [String: Any]) throws -> [Int: [String: Any]] {
            let table = try XCTUnwrap((run["metrics"] as? [String: Any])?["table"] as? [[String: Any]], "\(run)")
            return Dictionary(table.map { ($0["index"] as? Int ?? -1, $0) }, uniquingKeysWith: { a, _ in a })
        }
        let a = try rows(whole), b = try rows(combined)
        XCTAssertEqual(Set(a.keys), Set(0..<4))
        XCTAssertEqual(Set(b.keys), Set(0..<4), "the combined table holds every grid point once")
        for k in 0..<4 {
            XCTAssertEqual(a[k]?["val_top1"] as? Double, b[k]?["val_top1"] as? Double, "grid #\(k)")
            let la = try XCTUnwrap(a[k]?["val_loss"] as? Double), lb = try XCTUnwrap(b[k]?["val_loss"] as? Double)
            XCTAssertEqual(la, lb, accuracy: 1e-5 * max(1, abs(la)), "grid #\(k) val loss")
        }
        // metrics.best is a row of the table; the row's "index" is its grid point.
        func bestGridPoint(_ r: [String: Any]) throws -> Int? {
            let m = try XCTUnwrap(r["metrics"] as? [String: Any]), table = try XCTUnwrap(m["table"] as? [[String: Any]])
            let row = try XCTUnwrap(m["best"] as? Int)
            return table.indices.contains(row) ? table[row]["index"] as? Int : nil
        }
        XCTAssertNotNil(try bestGridPoint(whole))
        XCTAssertEqual(try bestGridPoint(combined), try bestGridPoint(whole), "the same winner")
        let top1 = { (r: [String: Any]) in (r["metrics"] as? [String: Any])?["test_top1"] as? Double }
        XCTAssertEqual(try XCTUnwrap(top1(combined)), try XCTUnwrap(top1(whole)), accuracy: 1e-12)
        // --combine with the shard runs' ids (records beside the cache): the same table and winner.
        let byID = try thaw.ok(["sweep", "--combine"] + shardIDs + ["--cache", Self.whole, "--json"]).json
        XCTAssertEqual(Set(try rows(byID).keys), Set(0..<4))
        XCTAssertEqual(try bestGridPoint(byID), try bestGridPoint(whole))

        // Text output of the combination names how many shards it merged; an empty folder is a clear error.
        let text = try thaw.ok(["sweep", "--combine-dir", folder, "--cache", Self.whole]).stdout
        XCTAssertTrue(text.contains("combined from 2 shards"), text)
        try FileManager.default.createDirectory(atPath: Self.dir + "/no-shards", withIntermediateDirectories: true)
        let empty = try thaw.run(["sweep", "--combine-dir", Self.dir + "/no-shards", "--cache", Self.whole])
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.stderr.contains("no sweep run records to combine"), empty.stderr)
    }

    /// The other ways to give a sweep its grid, and `thaw runs` filtering what was recorded.
    func testCGridConfigFileAndRunsFilters() throws {
        // --c-grid N: L-BFGS over N values of C log-spaced over 1e-6…1e6.
        let lbfgs = try thaw.ok(["sweep", "--cache", Self.whole, "--tap", "pool", "--c-grid", "4", "--json"]).json
        let config = try XCTUnwrap(lbfgs["config"] as? [String: Any])
        XCTAssertEqual(config["optimizer"] as? String, "lbfgs")
        let cs = try XCTUnwrap(config["cs"] as? [Double])
        XCTAssertEqual(cs.count, 4)
        for (c, expected) in zip(cs, [1e-6, 1e-2, 1e2, 1e6]) { XCTAssertEqual(c, expected, accuracy: expected * 1e-9, "\(cs)") }
        let table = try XCTUnwrap((lbfgs["metrics"] as? [String: Any])?["table"] as? [[String: Any]])
        XCTAssertEqual(Set(table.compactMap { $0["c"] as? Double }).count, 4)
        // The largest C (least regularised) fits the 10 classes far better than C = 1e-6 (which predicts a prior).
        let byC = Dictionary(table.map { ($0["c"] as? Double ?? 0, $0["val_top1"] as? Double ?? 0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertGreaterThan(try XCTUnwrap(byC.max { $0.key < $1.key }?.value), try XCTUnwrap(byC.min { $0.key < $1.key }?.value))

        // --config: a JSON file with the grid; a flag overrides the file.
        let file = Self.dir + "/grid.json"
        try #"{"tap": ["pool"], "lr": [0.01, 0.1], "weight_decay": [0], "epochs": 2, "batch": 16}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try thaw.ok(["sweep", "--cache", Self.whole, "--config", file, "--epochs", "3", "--name", "from-config", "--json"]).json
        let fc = try XCTUnwrap(fromFile["config"] as? [String: Any])
        let lrs = try XCTUnwrap(fc["lrs"] as? [Double])   // stored from Float: compare to float precision
        XCTAssertEqual(lrs.count, 2)
        for (lr, expected) in zip(lrs, [0.01, 0.1]) { XCTAssertEqual(lr, expected, accuracy: expected * 1e-6) }
        XCTAssertEqual(fc["weight_decays"] as? [Double], [0])
        XCTAssertEqual(fc["epochs"] as? Int, 3, "--epochs overrides the file's epochs")
        XCTAssertEqual(fc["batch"] as? Int, 16, "the file's batch applies")
        XCTAssertEqual(((fromFile["metrics"] as? [String: Any])?["table"] as? [Any])?.count, 2)

        // runs --kind / --since: the sweeps just recorded, none in the future; the name shows in the table.
        let sweeps = try XCTUnwrap(try thaw.ok(["runs", "--cache", Self.whole, "--kind", "sweep", "--json"]).json["entries"] as? [[String: Any]])
        let ids = Set(sweeps.compactMap { $0["id"] as? String })
        let recorded = [try XCTUnwrap(lbfgs["id"] as? String), try XCTUnwrap(fromFile["id"] as? String)]
        XCTAssertTrue(recorded.allSatisfy(ids.contains), "\(recorded) not all in \(ids)")
        XCTAssertTrue(sweeps.allSatisfy { $0["kind"] as? String == "sweep" }, "\(sweeps)")
        let extracts = try XCTUnwrap(try thaw.ok(["runs", "--cache", Self.whole, "--kind", "extract", "--json"]).json["entries"] as? [[String: Any]])
        XCTAssertEqual(extracts.count, 1, "one extraction made this cache")
        let future = try thaw.ok(["runs", "--cache", Self.whole, "--since", "2999-01-01"]).stdout
        XCTAssertTrue(future.contains("matching the filters"), future)
        XCTAssertTrue(try thaw.ok(["runs", "--cache", Self.whole]).stdout.contains("from-config"))
        let bad = try thaw.run(["runs", "--cache", Self.whole, "--kind", "sweeps"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--kind sweeps"), bad.stderr)
    }
}
