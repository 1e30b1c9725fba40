import Foundation
import XCTest
import ThawFit
import ThawHeads
import ThawRuns
import ThawStore

final class FitTests: XCTestCase {
    func testLinearMLPAndLBFGSReachSaneAccuracy() throws {
        let cache = try makeCache()
        for (head, solver) in [("linear", FitRequest.Solver.adamw), ("mlp:32", .adamw), ("linear", .sgd), ("linear", .lbfgs)] {
            var q = FitRequest(cache: cache, tap: "pool")
            q.head = try HeadName.parse(head)
            q.solver = solver
            q.lr = solver == .sgd ? 0.05 : 1e-2
            q.epochs = 15
            q.batch = 32
            let out = try FitRun.run(q)
            let t = try XCTUnwrap(out.test)
            XCTAssertGreaterThan(t.top1, 0.85, "\(head) \(solver): test top-1 \(t.top1)")
            XCTAssertEqual(t.count, 80)
            if solver != .lbfgs { XCTAssertEqual(out.record.epochs.count, 15) }
        }
    }

    func testMapTapWithPoolingsTrains() throws {
        let cache = try makeCache()
        for p in ["avg", "max", "avgmax", "gem"] {
            var q = FitRequest(cache: cache, tap: "map")
            q.pooling = try PoolingName.parse(p)
            q.epochs = 10; q.batch = 32; q.lr = 1e-2
            let out = try FitRun.run(q)
            XCTAssertGreaterThan(out.test!.top1, 0.85, "pooling \(p)")
        }
    }

    /// Train, validation and test streamed block by block from LMDB give the heads and metrics of the in-memory path.
    func testStreamingEqualsInMemory() throws {
        let cache = try makeCache(SyntheticCache(count: 300, views: 2))
        // A budget under the tap's 230 KB that still holds a 37-sample block beside the heads' reservation.
        let heads = MemoryBudget.headsBytes(shape: HeadShape(hidden: [16]), heads: 1, classes: 4, inputWidth: 16, rawWidth: 96, batch: 24)
        let scan = TapData.scanBytes(taps: SyntheticCache.taps)
        func fit(budget: Int) throws -> FitOutcome {
            var q = FitRequest(cache: cache, tap: "map")
            q.head = HeadShape(hidden: [16])
            q.pooling = .avg
            q.epochs = 4; q.batch = 24; q.lr = 1e-2; q.flip = true; q.blockSize = 37; q.seed = 7
            q.load = TapLoadOptions(memoryBudget: budget, fixedCost: 0)
            return try FitRun.run(q)
        }
        let memory = try fit(budget: 1 << 30)
        let streamed = try fit(budget: heads + scan + 40 * 96 * 4)
        XCTAssertEqual(memory.record.config["streamed"], .bool(false))
        XCTAssertEqual(streamed.record.config["streamed"], .bool(true))
        XCTAssertEqual(streamed.record.config["block_size"], .number(37))
        XCTAssertEqual(memory.record.config["views"], .number(2))
        for (a, b) in zip(memory.tensors, streamed.tensors) {
            XCTAssertEqual(a.name, b.name)
            let worst = zip(a.values, b.values).map { abs($0 - $1) }.reduce(Float(0)) { $0.isNaN || $1.isNaN ? .nan : max($0, $1) }   // NaN-aware, unlike max()
            XCTAssertLessThanOrEqual(worst, 1e-5, "\(a.name): worst difference \(worst)")
        }
        XCTAssertEqual(memory.history!.epochs.map(\.trainLoss), streamed.history!.epochs.map(\.trainLoss))
        // Evaluation chunks follow the streamed block size, so GEMM row blocking (and the last bits) may differ.
        for (a, b) in zip(memory.history!.epochs, streamed.history!.epochs) {
            XCTAssertEqual(a.valLoss!, b.valLoss!, accuracy: 1e-5 * a.valLoss!, "epoch \(a.epoch)")
            XCTAssertEqual(a.valTop1, b.valTop1)
        }
        for (a, b) in [(memory.validation, streamed.validation), (memory.test!, streamed.test!)] {
            XCTAssertEqual(a.confusion, b.confusion)
            XCTAssertEqual(a.loss, b.loss, accuracy: 1e-5 * a.loss)
            XCTAssertEqual(a.expectedCalibrationError, b.expectedCalibrationError, accuracy: 1e-5)
        }
        XCTAssertEqual(memory.test?.count, 60)
    }

    /// A budget smaller than one streamed block shrinks the block; a budget without room for a row is refused.
    func testSmallBudgetsShrinkBlocksOrAreRefused() throws {
        let cache = try makeCache(SyntheticCache(count: 300))
        let scan = TapData.scanBytes(taps: SyntheticCache.taps)
        let data = try TapData.load(path: cache, tap: "map", options: TapLoadOptions(memoryBudget: scan + 10 * 384, fixedCost: 0))
        XCTAssertTrue(data.isStreamed)
        XCTAssertEqual(data.maxBlockRows, 10)
        XCTAssertTrue(data.notes.contains { $0.contains("streaming every split") })
        let msg = fitError { _ = try TapData.load(path: cache, tap: "map", options: TapLoadOptions(memoryBudget: scan, fixedCost: 0)) }
        XCTAssertTrue(msg.contains("leaves no room for one row"), msg)
        let below = fitError { try MemoryBudget.check(MemoryBudget.fixedCost - 1) }
        XCTAssertTrue(below.contains("fixed cost"), below)
        XCTAssertNoThrow(try MemoryBudget.check(MemoryBudget.defaultBudget))
    }

    /// Streaming releases mapped pages per ≈ 8 MiB of records, not per 32 (each release flushes TLBs on
    /// every core): the budget counts that window, whatever the record size.
    func testScanBytesCountThePageReleaseWindow() throws {
        for taps in [[TapSpec(name: "pool", dtype: .f16, shape: [1280], layout: "C")],
                     [TapSpec(name: "map", dtype: .f32, shape: [14, 14, 1024], layout: "HWC")]] {
            let stored = taps.reduce(0) { $0 + $1.byteCount } + 4096, decoded = 32 * taps.reduce(0) { $0 + $1.elementCount * 4 }
            let window = TapData.scanBytes(taps: taps) - decoded
            XCTAssertGreaterThan(window, (8 << 20) - stored, "\(taps[0].name): window \(window) B (releasing per 32 records: \(32 * stored) B)")
            XCTAssertLessThanOrEqual(window, max(32 * stored, 8 << 20), "\(taps[0].name): window \(window) B")
        }
    }

    func testCarvesStratifiedValidationWhenCacheHasNone() throws {
        let cache = try makeCache(SyntheticCache(count: 200, splits: ["train", "test"]))
        let data = try TapData.load(path: cache, tap: "pool", options: TapLoadOptions(validationFraction: 0.2, seed: 3))
        XCTAssertTrue(data.carvedValidation)
        XCTAssertEqual(data.validation.count + data.trainIndices.count, 160)
        var perClass = [Int](repeating: 0, count: 4)
        for y in data.validation.labels { perClass[Int(y)] += 1 }
        XCTAssertEqual(perClass, [8, 8, 8, 8])
        XCTAssertTrue(data.notes.contains { $0.contains("carved") })
        let again = try TapData.load(path: cache, tap: "pool",
                                     options: TapLoadOptions(memoryBudget: TapData.scanBytes(taps: SyntheticCache.taps) + 2000, validationFraction: 0.2, seed: 3, fixedCost: 0))
        XCTAssertTrue(again.isStreamed)
        XCTAssertEqual(again.trainIndices, data.trainIndices)
        XCTAssertEqual(again.validationIndices, data.validationIndices)
        var streamedRows: [Float] = []
        for start in stride(from: 0, to: 32, by: 8) {
            try again.withRows(.validation, positions: start..<(start + 8)) { streamedRows += UnsafeBufferPointer(start: $0, count: 8 * 16) }
        }
        XCTAssertEqual(streamedRows, data.validation.features)
    }

    func testExportedSafetensorsReadBackEqualTrainedWeights() throws {
        let cache = try makeCache()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("head-\(UUID().uuidString).safetensors").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: file) }
        var q = FitRequest(cache: cache, tap: "map")
        q.head = HeadShape(hidden: [12]); q.pooling = .avgMax; q.epochs = 2; q.export = file
        let out = try FitRun.run(q)
        let (tensors, metadata) = try SafetensorsParse.read(file)
        XCTAssertEqual(Set(tensors.keys), ["head.fc1.weight", "head.fc1.bias", "head.out.weight", "head.out.bias"])
        XCTAssertEqual(tensors["head.fc1.weight"]!.shape, [12, 16])
        XCTAssertEqual(tensors["head.out.weight"]!.shape, [4, 12])
        for t in out.tensors { XCTAssertEqual(tensors["head." + t.name]!.values, t.values, t.name) }
        // A model bundle (docs/bundle-format.md): format, then the description as JSON.
        XCTAssertEqual(metadata["format"], "thaw-bundle-1")
        let d = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(metadata["bundle"]!.utf8)) as? [String: Any])
        XCTAssertEqual((d["tap"] as? [String: Any])?["name"] as? String, "map")
        XCTAssertEqual(d["pooling"] as? String, "avgmax")
        XCTAssertEqual((d["head"] as? [String: Any])?["type"] as? String, "mlp")
        XCTAssertEqual((d["head"] as? [String: Any])?["hidden"] as? [Int], [12])
        XCTAssertEqual(d["classes"] as? [String], ["class0", "class1", "class2", "class3"])
        XCTAssertEqual(d["run"] as? String, out.record.id)
    }
}

/// A minimal safetensors reader for the test (header JSON + F32 data), independent of the writer.
enum SafetensorsParse {
    static func read(_ path: String) throws -> ([String: (shape: [Int], values: [Float])], [String: String]) {
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = Int(d.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try JSONSerialization.jsonObject(with: d.subdata(in: 8..<(8 + n))) as! [String: Any]
        var out: [String: (shape: [Int], values: [Float])] = [:]
        for (k, v) in header where k != "__metadata__" {
            let o = v as! [String: Any]
            XCTAssertEqual(o["dtype"] as? String, "F32")
            let offs = o["data_offsets"] as! [Int]
            let bytes = d.subdata(in: (8 + n + offs[0])..<(8 + n + offs[1]))
            var values = [Float](repeating: 0, count: bytes.count / 4)
            for i in values.indices {
                var bits: UInt32 = 0
                for b in 0..<4 { bits |= UInt32(bytes[4 * i + b]) << UInt32(8 * b) }
                values[i] = Float(bitPattern: bits)
            }
            out[k] = (o["shape"] as! [Int], values)
        }
        return (out, header["__metadata__"] as? [String: String] ?? [:])
    }
}
