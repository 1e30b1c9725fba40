import Foundation
import XCTest
@testable import ThawStore

/// Bytes on disk per sample for typical tap layouts (docs/cache-format.md, "Page overhead").
/// A measurement, not a test: runs only with THAW_MEASURE_PAGES=1.
final class PageOverheadMeasurement: XCTestCase {
    func testMeasurePageOverhead() throws {
        guard ProcessInfo.processInfo.environment["THAW_MEASURE_PAGES"] == "1" else {
            throw XCTSkip("set THAW_MEASURE_PAGES=1 to measure bytes on disk per sample")
        }
        let pool = TapSpec(name: "pool", dtype: .f16, shape: [1280], layout: "C")
        let map7 = TapSpec(name: "map", dtype: .f16, shape: [7, 7, 80], layout: "HWC")
        let map14 = TapSpec(name: "map", dtype: .f16, shape: [14, 14, 112], layout: "HWC")
        let layouts: [(String, [TapSpec])] = [
            ("pool 1280 f16", [pool]),
            ("map 7x7x80 f16", [map7]),
            ("map 14x14x112 f16", [map14]),
            ("pool + map 7x7x80 in one record", [pool, map7]),
            ("pool + map 14x14x112 in one record", [pool, map14]),
            ("pool packed 2 per value", [TapSpec(name: "pool", dtype: .f16, shape: [2, 1280], layout: "NC")]),
            ("pool packed 3 per value", [TapSpec(name: "pool", dtype: .f16, shape: [3, 1280], layout: "NC")]),
            ("pool packed 8 per value", [TapSpec(name: "pool", dtype: .f16, shape: [8, 1280], layout: "NC")]),
            ("pool 1280 f32", [TapSpec(name: "pool", dtype: .f32, shape: [1280], layout: "C")]),
            ("pool 512 f16", [TapSpec(name: "pool", dtype: .f16, shape: [512], layout: "C")]),
        ]
        let n = 2000
        for (name, taps) in layouts {
            let path = temporaryCachePath()
            let m = testManifest(count: n, taps: taps)
            _ = try writeSamples(path, m, 0..<n, batch: 256, initialMapSize: 1 << 30)
            let info = try CacheReader(path: path).info()
            print(String(format: "%-36@ payload %6d B/value, value %8.0f B, disk %8.0f B/value, overhead %5.1f%%, file %6.1f MB",
                         name as NSString, taps.reduce(0) { $0 + $1.byteCount }, info.meanRecordBytes,
                         info.diskBytesPerRecord, 100 * info.pageOverhead, Double(info.fileBytes) / 1e6))
        }
    }

    /// Write, read and verify rates for pooled 1280 f16 + map 7×7×80 f16 records.
    func testMeasureThroughput() throws {
        guard ProcessInfo.processInfo.environment["THAW_MEASURE_PAGES"] == "1" else {
            throw XCTSkip("set THAW_MEASURE_PAGES=1 to measure throughput")
        }
        let taps = [TapSpec(name: "pool", dtype: .f16, shape: [1280], layout: "C"),
                    TapSpec(name: "map", dtype: .f16, shape: [7, 7, 80], layout: "HWC")]
        let n = 4000
        let samples = (0..<n).map { testSample($0, taps: taps) }
        let path = temporaryCachePath()
        let m = testManifest(count: n, taps: taps)
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        let write = try seconds {
            let w = try CacheWriter.open(at: path, manifest: m, batchSize: 256)
            for s in samples { try w.append(s) }
            try w.finish()
        }
        let r = try CacheReader(path: path)
        var count = 0
        let read = try seconds { try r.forEach { _ in count += 1; return true } }
        let verify = try seconds { XCTAssertTrue(try r.verify().ok) }
        let mb = Double(n * 10432) / 1e6
        print(String(format: "%d records of %d B: write %.0f rec/s (%.0f MB/s), read+decode %.0f rec/s, verify %.0f MB/s",
                     n, 10432, Double(n) / write, mb / write, Double(count) / read, mb / verify))
    }
}
