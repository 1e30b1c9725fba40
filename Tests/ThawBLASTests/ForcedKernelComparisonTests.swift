import Foundation
import XCTest
@testable import ThawBLAS

/// When a forced OPENBLAS_CORETYPE is worth a warning (more than 20% slower than Thaw's kernel), and how
/// the figures are kept for `thaw extract`.
final class ForcedKernelComparisonTests: XCTestCase {
    private func comparison(_ forced: Double, _ best: Double) -> ForcedKernelComparison {
        ForcedKernelComparison(forced: "Haswell", forcedGFLOPS: forced, best: "SkylakeX", bestGFLOPS: best, n: 2048)
    }

    func testWarnsOnlyWhenMoreThanTwentyPercentSlower() {
        XCTAssertTrue(comparison(234, 451).costsSpeed, "the measured Haswell-on-Zen-4 case")
        XCTAssertTrue(comparison(79.9, 100).costsSpeed)
        XCTAssertFalse(comparison(80, 100).costsSpeed, "exactly 20% slower is the limit, not past it")
        XCTAssertFalse(comparison(81, 100).costsSpeed)
        XCTAssertFalse(comparison(100, 100).costsSpeed)
        XCTAssertFalse(comparison(120, 100).costsSpeed, "a forced kernel faster than Thaw's")
    }

    func testFailedMeasurementsNeverWarn() {
        for (forced, best) in [(0.0, 100.0), (100, 0), (.nan, 100), (50, .nan), (.infinity, 100), (-5, 100)] {
            XCTAssertFalse(comparison(forced, best).costsSpeed, "\(forced) vs \(best)")
            XCTAssertTrue(comparison(forced, best).ratio.isNaN, "\(forced) vs \(best)")
        }
    }

    func testWarningNamesBothFiguresAndTheFix() {
        let w = comparison(234, 451).warning
        XCTAssertTrue(w.hasPrefix("warning: OPENBLAS_CORETYPE=Haswell runs sgemm at 234 GFLOP/s; the SkylakeX kernel"), w)
        XCTAssertTrue(w.contains("runs 451 (1.9× faster)"), w)
        XCTAssertTrue(w.contains("Fix: unset OPENBLAS_CORETYPE"), w)
        XCTAssertFalse(w.contains("\n"), "one line")
    }

    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "thaw-forced-kernel-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testCacheStoresLooksUpAndReplacesPerKey() throws {
        let cache = ForcedKernelCache(path: try temporaryFolder() + "/nested/thaw/forced-kernel.json")
        let key = ForcedKernelCache.key(cpuModel: "AMD EPYC", openBLASConfig: "OpenBLAS 0.3.21 DYNAMIC_ARCH", threads: 2,
                                        forced: "Haswell", best: "SkylakeX")
        XCTAssertNil(cache.lookup(key), "nothing stored yet")
        try cache.store(comparison(234, 451), key: key, measured: Date(timeIntervalSince1970: 0))
        XCTAssertEqual(cache.lookup(key)?.comparison, comparison(234, 451))
        XCTAssertEqual(cache.lookup(key)?.measured, "1970-01-01T00:00:00Z")
        let other = ForcedKernelCache.key(cpuModel: "AMD EPYC", openBLASConfig: "OpenBLAS 0.3.21 DYNAMIC_ARCH", threads: 1,
                                          forced: "Haswell", best: "SkylakeX")
        XCTAssertNil(cache.lookup(other), "another thread count is another entry")
        try cache.store(comparison(90, 100), key: other)
        try cache.store(comparison(240, 450), key: key)
        XCTAssertEqual(cache.lookup(key)?.comparison, comparison(240, 450), "replaced")
        XCTAssertEqual(cache.lookup(other)?.comparison, comparison(90, 100), "kept")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (cache.path as NSString).deletingLastPathComponent)
        XCTAssertEqual(leftovers, ["forced-kernel.json"], "no temporary file left behind")
    }

    func testDamagedCacheIsMeasuredAgainAndRewritten() throws {
        let cache = ForcedKernelCache(path: try temporaryFolder() + "/forced-kernel.json")
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: cache.path))
        XCTAssertNil(cache.lookup("k"))
        try cache.store(comparison(1, 2), key: "k")
        XCTAssertEqual(cache.lookup("k")?.comparison, comparison(1, 2))
    }

    func testUnwritableCacheNamesTheFileAndTheFix() throws {
        let folder = try temporaryFolder()
        let blocker = folder + "/file"
        try Data().write(to: URL(fileURLWithPath: blocker))
        let cache = ForcedKernelCache(path: blocker + "/thaw/forced-kernel.json")   // a folder under a regular file
        XCTAssertThrowsError(try cache.store(comparison(1, 2), key: "k")) { error in
            XCTAssertTrue("\(error)".contains(cache.path), "\(error)")
            XCTAssertTrue("\(error)".contains("XDG_CACHE_HOME"), "\(error)")
        }
    }

    func testStandardPathFollowsXDGThenHome() {
        XCTAssertEqual(ForcedKernelCache.standard(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).path, "/x/thaw/forced-kernel.json")
        XCTAssertEqual(ForcedKernelCache.standard(environment: ["XDG_CACHE_HOME": "", "HOME": "/h"]).path, "/h/.cache/thaw/forced-kernel.json")
        XCTAssertEqual(ForcedKernelCache.standard(environment: ["HOME": "/h"]).path, "/h/.cache/thaw/forced-kernel.json")
    }
}
