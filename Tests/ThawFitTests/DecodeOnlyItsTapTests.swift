import Foundation
import XCTest
import ThawFit
import ThawHeads
import ThawStore

/// Reading one tap converts only that tap (`TapData.decodesOnlyItsTap`, `CacheReader.forEach(only:)`):
/// the rows, and so every trained number, are bit for bit those of converting every tap.
final class DecodeOnlyItsTapTests: XCTestCase {
    private func fit(_ cache: String, tap: String, budget: Int, onlyItsTap: Bool) throws -> FitOutcome {
        let saved = TapData.decodesOnlyItsTap
        TapData.decodesOnlyItsTap = onlyItsTap
        defer { TapData.decodesOnlyItsTap = saved }
        var q = FitRequest(cache: cache, tap: tap)
        if tap == "map" { q.pooling = .avg }
        q.epochs = 3; q.batch = 24; q.lr = 1e-2; q.blockSize = 37; q.seed = 3
        q.load = TapLoadOptions(memoryBudget: budget, fixedCost: 0)
        return try FitRun.run(q)
    }

    func testOneTapDecodedGivesTheSameFitInMemoryAndStreamed() throws {
        let cache = try makeCache(SyntheticCache(count: 300))
        for tap in ["pool", "map"] {
            // In memory, and streamed: room for four 37-row blocks beside the heads and the scan.
            let (width, raw) = tap == "map" ? (8, 96) : (16, 16)
            let heads = MemoryBudget.headsBytes(shape: .linear, heads: 1, classes: 4, inputWidth: width, rawWidth: raw, batch: 24)
            for budget in [1 << 30, heads + TapData.scanBytes(taps: SyntheticCache.taps) + 4 * 37 * raw * 4] {
                let all = try fit(cache, tap: tap, budget: budget, onlyItsTap: false)
                let one = try fit(cache, tap: tap, budget: budget, onlyItsTap: true)
                XCTAssertEqual(one.record.config["streamed"], .bool(budget != 1 << 30), "\(tap), budget \(budget)")
                XCTAssertEqual(all.tensors.count, one.tensors.count)
                for (a, b) in zip(all.tensors, one.tensors) {
                    XCTAssertTrue(a.values.allSatisfy(\.isFinite), "\(tap): reference \(a.name) must be finite")
                    XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern), "\(tap) \(a.name), budget \(budget)")
                }
                XCTAssertEqual(all.validation.loss.bitPattern, one.validation.loss.bitPattern, tap)
                XCTAssertEqual(all.test!.confusion, one.test!.confusion, tap)
            }
        }
    }

    /// `forEach(only:)` leaves the other taps empty and gives the chosen tap exactly as a full decode does.
    func testReaderDecodesTheChosenTapAlone() throws {
        let cache = try makeCache(SyntheticCache(count: 50))
        let reader = try CacheReader(path: cache)
        var full: [[Float]] = [], only: [[Float]] = []
        try reader.forEach { full.append($0.taps[1]); return true }
        try reader.forEach(only: 1) { s in
            XCTAssertEqual(s.taps[0], [])
            only.append(s.taps[1])
            return true
        }
        XCTAssertEqual(full.count, 50)
        XCTAssertEqual(full.map { $0.map(\.bitPattern) }, only.map { $0.map(\.bitPattern) })
        XCTAssertEqual(try reader.sample(at: 7, only: 0)!.taps[0].map(\.bitPattern), try reader.sample(at: 7)!.taps[0].map(\.bitPattern))
        XCTAssertEqual(try reader.sample(at: 7, only: 0)!.taps[1], [])
    }
}
