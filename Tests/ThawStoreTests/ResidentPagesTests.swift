import Foundation
import ThawCore
import XCTest
@testable import ThawStore

/// The cache's file mapping must not keep growing the process's resident set: the writer drops the
/// pages LMDB touched after every commit, readers after every block (`releaseResidentPages`).
final class ResidentPagesTests: XCTestCase {
    /// 16 KiB per record, so 2,000 records are a 32 MiB file.
    private let bigTap = [TapSpec(name: "map", dtype: .f32, shape: [4096], layout: "C")]

    /// Writes `count` records of `bigTap` (values cheap to make: the content does not matter here).
    private func writeBig(_ path: String, count: Int, batch: Int, indices: Range<Int>? = nil) throws -> CacheWriter {
        let w = try CacheWriter.open(at: path, manifest: testManifest(count: count, taps: bigTap), batchSize: batch,
                                     initialMapSize: 1 << 28)
        let values = (0..<4096).map { Float($0) }
        for i in indices ?? 0..<count {
            try w.append(CachedSample(index: i, view: 0, label: Int32(i % 3), split: 0, id: "\(i)", taps: [values]))
        }
        return w
    }

    func testReadingEveryRecordThenReleasingLeavesLittleResident() throws {
        let path = temporaryCachePath()
        try writeBig(path, count: 2000, batch: 200).finish()
        let env = try LMDBEnvironment.shared(at: path, create: false)
        var bytes = 0
        try env.read { txn in
            try txn.scan(.records) { _, v in
                for i in stride(from: 0, to: v.count, by: 4096) { bytes &+= Int(v[i]) | 1 }   // touch every page
                return true
            }
        }
        XCTAssertGreaterThan(bytes, 0)
        let before = try residentKiB(of: path)
        XCTAssertGreaterThan(before, 16 * 1024, "reading 32 MiB through the map should make it resident")
        env.releaseResidentPages()
        let after = try residentKiB(of: path)
        XCTAssertLessThan(after, 1024, "still \(after) KiB of data.mdb resident after the release")
    }

    /// Resuming walks every page of the cache (and LMDB reads pages while appending): after its
    /// commits the writer holds little of the file resident.
    func testResumedWriterKeepsTheMappingSmall() throws {
        let path = temporaryCachePath()
        try writeBig(path, count: 3000, batch: 100, indices: 0..<2900).finish()
        let writer = try writeBig(path, count: 3000, batch: 100, indices: 2900..<3000)
        XCTAssertTrue(try writer.finish())
        let resident = try residentKiB(of: path)
        XCTAssertLessThan(resident, 512, "the writer left \(resident) KiB of a 48 MiB cache resident")
    }

    /// Resident KiB of this process's mappings of `cache`/data.mdb (from /proc/self/smaps).
    private func residentKiB(of cache: String) throws -> Int {
        let file = URL(fileURLWithPath: cache).standardizedFileURL.resolvingSymlinksInPath()
            .appendingPathComponent("data.mdb").path
        let smaps = try XCTUnwrap(ProcFile.read("/proc/self/smaps"))
        var inside = false, total = 0, found = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), fields.count >= 5 {   // a mapping's header line
                inside = line.hasSuffix(file)
                found = found || inside
            } else if inside, fields.first == "Rss:", fields.count >= 2, let kib = Int(fields[1]) {
                total += kib
            }
        }
        guard found else { throw NoMapping(file: file) }
        return total
    }

    private struct NoMapping: Error, CustomStringConvertible {
        let file: String
        var description: String { "\(file) is not mapped into this process" }
    }
}
