import Foundation
import XCTest
import ThawFit
import ThawHeads
import ThawRuns
import ThawStore

final class SweepTests: XCTestCase {
    func request(_ cache: String) -> SweepRequest {
        var q = SweepRequest(cache: cache)
        q.axes.taps = ["pool", "map"]
        q.axes.lrs = [1e-4, 3e-3, 3e-2]
        q.axes.weightDecays = [0, 1e-2]
        q.axes.heads = [.linear, HeadShape(hidden: [8])]
        q.axes.poolings = [.avg, .max]
        q.epochs = 3
        q.batch = 32
        return q
    }

    func table(_ r: RunRecord) -> [[String: JSONValue]] {
        guard case .array(let t)? = r.metrics["table"] else { return [] }
        return t.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
    }

    func testTableCoversTheGridAndBestIsChosenOnValidation() throws {
        let cache = try makeCache(SyntheticCache(count: 300, separation: 0.35))
        let out = try SweepRun.run(request(cache))
        // pool: 1 pooling × 2 heads × 3 × 2 = 12; map: 2 poolings × 12 = 24.
        let rows = table(out.record)
        XCTAssertEqual(rows.count, 36)
        XCTAssertEqual(rows.map { Int($0["index"]!.number!) }, Array(0..<36))
        let best = Int(out.record.metrics["best"]!.number!)
        for (i, r) in rows.enumerated() where i != best {
            let (a, b) = (r["val_top1"]!.number!, rows[best]["val_top1"]!.number!)
            XCTAssertTrue(a < b || (a == b && r["val_loss"]!.number! >= rows[best]["val_loss"]!.number!), "row \(i) beats the best")
        }
        XCTAssertEqual(out.record.metrics["val_top1"], rows[best]["val_top1"])
        XCTAssertNotNil(out.record.metrics["test_top1"]?.number)
        XCTAssertEqual(out.record.epochs.count, 3)
        XCTAssertEqual(Set(rows.map { $0["pooling"]!.string! }), ["none", "avg", "max"])
    }

    /// A sweep streamed from LMDB (every stacked head reading the same blocks) equals the in-memory sweep.
    func testStreamedSweepEqualsInMemory() throws {
        let cache = try makeCache(SyntheticCache(count: 300, separation: 0.35))
        var q = request(cache)
        q.blockSize = 40
        q.load = TapLoadOptions(memoryBudget: 1 << 30, fixedCost: 0)
        let memory = try SweepRun.run(q)
        // Room for SweepRun's reservation (two stacks of the 24 map points) and a 41-row block of maps,
        // not for the 300 · 96 floats of the tap.
        let reserve = 2 * MemoryBudget.headsBytes(shape: HeadShape(hidden: [8]), heads: 24, classes: 4, inputWidth: 16, rawWidth: 96, batch: 32)
        q.load = TapLoadOptions(memoryBudget: reserve + TapData.scanBytes(taps: SyntheticCache.taps) + 41 * 384, fixedCost: 0)
        let streamed = try SweepRun.run(q)
        XCTAssertTrue(streamed.notes.contains { $0.contains("map: ") && $0.contains("streaming") }, "\(streamed.notes)")
        XCTAssertEqual(memory.rows.count, streamed.rows.count)
        for (a, b) in zip(memory.rows, streamed.rows) {
            XCTAssertEqual(a.point.index, b.point.index)
            XCTAssertEqual(a.validation.top1, b.validation.top1, "row \(a.point.index)")
            XCTAssertEqual(a.validation.loss, b.validation.loss, accuracy: 1e-5, "row \(a.point.index)")
        }
        XCTAssertEqual(memory.best, streamed.best)
        XCTAssertEqual(memory.test?.top1, streamed.test?.top1)
    }

    func testShardsCombinedEqualOneSweep() throws {
        let cache = try makeCache(SyntheticCache(count: 300, separation: 0.35))
        var q = request(cache)
        q.axes.taps = ["map"]
        let single = try SweepRun.run(q).record
        var shards: [RunRecord] = []
        for i in 0..<3 {
            q.shard = ShardSpec(i, 3)
            shards.append(try SweepRun.run(q).record)
        }
        XCTAssertEqual(shards.map { table($0).count }, [8, 8, 8])
        let merged = try SweepCombine.combine(shards.reversed())
        let (a, b) = (table(single), table(merged))
        XCTAssertEqual(a.count, b.count)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x["index"], y["index"])
            XCTAssertEqual(x["val_top1"], y["val_top1"], "row \(x["index"]!)")
            let (lx, ly) = (x["val_loss"]!.number!, y["val_loss"]!.number!)
            XCTAssertEqual(lx, ly, accuracy: 1e-4 * abs(lx), "row \(x["index"]!)")
        }
        XCTAssertEqual(single.metrics["best_index"], merged.metrics["best_index"])
        XCTAssertEqual(single.metrics["test_top1"], merged.metrics["test_top1"])
        XCTAssertTrue(fitError { _ = try SweepCombine.combine(Array(shards.prefix(2))) }.contains("missing"))
        XCTAssertTrue(fitError { _ = try SweepCombine.combine(shards + [shards[0]]) }.contains("two records"))
    }

    func testLBFGSPathOverC() throws {
        let cache = try makeCache(SyntheticCache(count: 300, separation: 0.35))
        var q = SweepRequest(cache: cache)
        q.axes.cs = SweepAxes.cGrid(5)
        let out = try SweepRun.run(q)
        let rows = table(out.record)
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows.map { $0["c"]!.number! }, SweepAxes.cGrid(5))
        XCTAssertEqual(out.record.config["optimizer"], .string("lbfgs"))
        XCTAssertGreaterThan(out.record.metrics["test_top1"]!.number!, 0.5)
    }
}
