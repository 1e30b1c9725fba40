import Foundation
import XCTest
import ThawFit
import ThawHeads
import ThawStore

/// Streamed blocks read ahead on a second thread give exactly the numbers of reading them on the
/// training thread, and the blocks read ahead fit the memory budget.
final class ReadAheadTests: XCTestCase {
    /// Heads' reservation of the fits below (hidden 16, batch 24, map 96 floats pooled to 16).
    let heads = MemoryBudget.headsBytes(shape: HeadShape(hidden: [16]), heads: 1, classes: 4, inputWidth: 16, rawWidth: 96, batch: 24)

    func fit(_ cache: String, budget: Int, readAhead: Int) throws -> FitOutcome {
        var q = FitRequest(cache: cache, tap: "map")
        q.head = HeadShape(hidden: [16])
        q.pooling = .avg
        q.epochs = 4; q.batch = 24; q.lr = 1e-2; q.flip = true; q.blockSize = 37; q.seed = 7
        q.load = TapLoadOptions(memoryBudget: budget, fixedCost: 0)
        q.load.readAheadBlocks = readAhead
        return try FitRun.run(q)
    }

    /// Weights, every epoch's losses and the validation and test metrics are bit-identical with and without read-ahead.
    func testReadAheadIsBitIdenticalToReadingOnTheTrainingThread() throws {
        let cache = try makeCache(SyntheticCache(count: 300, views: 2))
        // Room for four 37-row blocks of 384 B rows beside heads and scan: the block in use and two read ahead.
        let budget = heads + TapData.scanBytes(taps: SyntheticCache.taps) + 4 * 37 * 384
        let data = try TapData.load(path: cache, tap: "map", options: TapLoadOptions(memoryBudget: budget, reservedBytes: heads, fixedCost: 0))
        XCTAssertTrue(data.isStreamed)
        XCTAssertEqual(data.readAheadDepth(rows: 37), 2)
        let plain = try fit(cache, budget: budget, readAhead: 0)
        let ahead = try fit(cache, budget: budget, readAhead: 2)
        XCTAssertEqual(ahead.record.config["streamed"], .bool(true))
        XCTAssertEqual(ahead.record.config["block_size"], .number(37))
        XCTAssertEqual(plain.tensors.count, ahead.tensors.count)
        for (a, b) in zip(plain.tensors, ahead.tensors) {
            XCTAssertEqual(a.name, b.name)
            XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern), a.name)
        }
        XCTAssertEqual(plain.history!.epochs.map(\.trainLoss), ahead.history!.epochs.map(\.trainLoss))
        XCTAssertEqual(plain.history!.epochs.map { $0.valLoss! }, ahead.history!.epochs.map { $0.valLoss! })
        for (a, b) in [(plain.validation, ahead.validation), (plain.test!, ahead.test!)] {
            XCTAssertEqual(a.confusion, b.confusion)
            XCTAssertEqual(a.loss.bitPattern, b.loss.bitPattern)
        }
    }

    /// Read-ahead never exceeds the budget: (depth + 1) blocks fit in `streamBytes`; none without room for a second block.
    func testReadAheadDepthFitsTheBudget() throws {
        let cache = try makeCache(SyntheticCache(count: 300, views: 2))
        let scan = TapData.scanBytes(taps: SyntheticCache.taps)
        for (rows, want) in [(10, 0), (19, 0), (20, 1), (30, 2), (100, 2)] {
            let data = try TapData.load(path: cache, tap: "map", options: TapLoadOptions(memoryBudget: scan + rows * 384, fixedCost: 0))
            XCTAssertTrue(data.isStreamed)
            let depth = data.readAheadDepth(rows: 10)
            XCTAssertEqual(depth, want, "room for \(rows) rows")
            XCTAssertLessThanOrEqual((depth + 1) * 10 * 384, data.streamBytes)
        }
        let memory = try TapData.load(path: cache, tap: "map", options: TapLoadOptions(memoryBudget: 1 << 30, fixedCost: 0))
        XCTAssertEqual(memory.readAheadDepth(rows: 10), 0)
    }

    /// Evaluation chunks read ahead equal the in-memory rows; the read-ahead thread has stopped when the call returns.
    func testEvaluationChunksReadAheadEqualMemory() throws {
        let cache = try makeCache(SyntheticCache(count: 300, views: 2))
        let memory = try TapData.load(path: cache, tap: "map", options: TapLoadOptions(memoryBudget: 1 << 30, fixedCost: 0))
        let streamed = try TapData.load(path: cache, tap: "map",
                                        options: TapLoadOptions(memoryBudget: TapData.scanBytes(taps: SyntheticCache.taps) + 40 * 384, fixedCost: 0))
        XCTAssertEqual(streamed.readAheadDepth(rows: 8), 2)
        for split in [EvaluationSplit.validation, .test] {
            var rows: [Float] = [], starts: [Int] = []
            try streamed.forEachChunk(of: split, chunkRows: 8) { start, count, x in
                starts.append(start)
                rows += UnsafeBufferPointer(start: x, count: count * 96)
            }
            let want = split == .validation ? memory.validation.features : memory.test!.features
            XCTAssertEqual(rows, want, "\(split)")
            XCTAssertEqual(starts, Array(stride(from: 0, to: want.count / 96, by: 8)))
        }
        // Training blocks of two epochs, read ahead, equal the in-memory blocks.
        for epoch in 0..<2 {
            let plan = EpochPlan(trainIndices: streamed.trainIndices, indexRange: streamed.manifest.indexRange, blockSize: 8,
                                 seed: 3, epoch: epoch)
            var a: [Float] = [], b: [Float] = []
            try streamed.forEachTrainingBlock(plan.blocks, view: epoch) { k, x in a += UnsafeBufferPointer(start: x, count: plan.blocks[k].positions.count * 96) }
            try memory.forEachTrainingBlock(plan.blocks, view: epoch) { k, x in b += UnsafeBufferPointer(start: x, count: plan.blocks[k].positions.count * 96) }
            XCTAssertEqual(a, b, "epoch \(epoch)")
        }
    }

    /// An error thrown while training on a block stops the read-ahead thread; the data reads normally afterwards.
    func testAnErrorInTheConsumerStopsTheReadAhead() throws {
        let cache = try makeCache(SyntheticCache(count: 300, views: 2))
        let data = try TapData.load(path: cache, tap: "map",
                                    options: TapLoadOptions(memoryBudget: TapData.scanBytes(taps: SyntheticCache.taps) + 40 * 384, fixedCost: 0))
        let plan = EpochPlan(trainIndices: data.trainIndices, indexRange: data.manifest.indexRange, blockSize: 8, seed: 3, epoch: 0)
        struct Stop: Error {}
        XCTAssertThrowsError(try data.forEachTrainingBlock(plan.blocks, view: 0) { k, _ in if k == 2 { throw Stop() } }) {
            XCTAssertTrue($0 is Stop)
        }
        var blocks = 0
        try data.forEachTrainingBlock(plan.blocks, view: 0) { _, _ in blocks += 1 }
        XCTAssertEqual(blocks, plan.blocks.count)
    }
}
