import Foundation
import ThawCore
import XCTest
import ThawFit
import ThawHeads
import ThawStore

/// A cache of seeded class-mean + noise features, written with the real `CacheWriter`:
/// tap "pool" (f16 [16] C) and tap "map" (f32 [3, 4, 8] HWC, the class mean at every position).
struct SyntheticCache {
    var count = 400
    var classes = 4
    var splits = ["train", "val", "test"]
    var views = 1
    var separation: Float = 1.2
    var nanAt: Int? = nil
    var singleClass = false
    /// Write only the first `stopAfter` samples (an unfinished extraction).
    var stopAfter: Int? = nil
    var emptySplit: String? = nil

    static let taps = [TapSpec(name: "pool", dtype: .f16, shape: [16], layout: "C"),
                       TapSpec(name: "map", dtype: .f32, shape: [3, 4, 8], layout: "HWC")]

    /// Split of sample i: 60% train, 20% val, 20% test (or the first two when there are two).
    func split(_ i: Int) -> Int {
        let r = i % 5
        if splits.count == 1 { return 0 }
        if splits.count == 2 { return r < 4 ? 0 : 1 }
        return r < 3 ? 0 : (r == 3 ? 1 : 2)
    }

    func write(to path: String) throws {
        var g = SplitMix64(seed: 42)
        let means16 = (0..<classes).map { _ in (0..<16).map { _ in g.nextNormal() * separation } }
        let means8 = (0..<classes).map { _ in (0..<8).map { _ in g.nextNormal() * separation } }
        let m = Manifest(toolVersion: "0.1.0", backbone: "synthetic", weightsSHA256: String(repeating: "0", count: 64),
                         preprocessing: "{}", taps: Self.taps, dataFingerprint: "synthetic:\(count)",
                         labelNames: (0..<classes).map { "class\($0)" }, splitNames: splits, sampleCount: count, views: views)
        let w = try CacheWriter.open(at: path, manifest: m, batchSize: 64, initialMapSize: 1 << 24)
        for i in 0..<(stopAfter ?? count) {
            let y = singleClass ? 0 : i % classes
            var s = split(i)
            if let e = emptySplit, splits[s] == e { s = 0 }
            for v in 0..<views {
                var pool = means16[y].map { $0 + g.nextNormal() }
                if nanAt == i { pool[3] = .nan }
                var map: [Float] = []
                for _ in 0..<12 { map += means8[y].map { $0 + g.nextNormal() } }
                try w.append(CachedSample(index: i, view: v, label: Int32(y), split: s, id: "synthetic/\(i).bin", taps: [pool, map]))
            }
        }
        try w.finish()
    }
}

extension XCTestCase {
    /// A fresh cache path in a temporary folder removed after the test.
    func makeCache(_ spec: SyntheticCache = SyntheticCache()) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-fit-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cache"
        try spec.write(to: path)
        return path
    }

    /// Runs `body` and returns the error's text: a `FitError`, or a `HeadsError` from reading the tap
    /// (`TapData`, `MemoryBudget`); fails if nothing or something else is thrown.
    func fitError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
        do { try body() } catch let e as FitError { return e.description } catch let e as HeadsError { return e.description } catch {
            XCTFail("expected a FitError or HeadsError, got \(error)", file: file, line: line); return ""
        }
        XCTFail("expected a FitError or HeadsError, nothing was thrown", file: file, line: line)
        return ""
    }
}
