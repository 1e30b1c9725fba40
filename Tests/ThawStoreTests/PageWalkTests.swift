import Foundation
import XCTest
@testable import ThawStore

/// `LMDBPageWalk` on real caches written by `CacheWriter`: sound files pass (multi-level trees,
/// overflow runs, free pages after many transactions, a resumed cache); each kind of structural
/// damage LMDB would follow is refused with the page and what is wrong, before LMDB opens it.
final class PageWalkTests: XCTestCase {
    static let pageSize = 4096

    /// 2,000 small records (a two-level tree) written 8 per transaction, or 20 records in overflow pages.
    private func cache(big: Bool = false, count: Int? = nil) throws -> String {
        let path = temporaryCachePath()
        let taps = big ? [TapSpec(name: "v", dtype: .f32, shape: [900], layout: "C")] : [TapSpec(name: "v", dtype: .f16, shape: [8], layout: "C")]
        let n = count ?? (big ? 20 : 2000)
        let w = try writeSamples(path, testManifest(count: n, taps: taps), 0..<n)
        XCTAssertTrue(try w.finish())
        return path
    }

    private func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))) }

    private func walk(_ b: [UInt8]) throws -> LMDBPageWalk.Summary { try b.withUnsafeBytes { try LMDBPageWalk.check($0) } }

    private func u16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    private func put16(_ b: inout [UInt8], _ o: Int, _ v: Int) { b[o] = UInt8(v & 0xFF); b[o + 1] = UInt8(v >> 8) }
    private func put64(_ b: inout [UInt8], _ o: Int, _ v: UInt64) { for k in 0..<8 { b[o + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) } }

    /// Pages currently in use by the `records` tree, from the walk's own view: the root and its kind.
    private func pages(_ b: [UInt8], flags: Int) -> [Int] {
        (2..<(b.count / Self.pageSize)).filter { u16(b, $0 * Self.pageSize + 10) == flags }
    }

    /// Damages `b`, writes it back and expects the cache to be refused naming `page` and `fragment`.
    private func expectDamage(_ path: String, _ b: [UInt8], page: Int?, _ fragment: String, line: UInt = #line) throws {
        XCTAssertThrowsError(try walk(b), line: line) { e in
            let p = e as? LMDBPageWalk.Problem
            XCTAssertNotNil(p, "\(e)", line: line)
            if let page { XCTAssertEqual(p?.page, page, "\(e)", line: line) }
            XCTAssertTrue(p?.problem.contains(fragment) == true, "\(e)", line: line)
        }
        try Data(b).write(to: URL(fileURLWithPath: path + "/data.mdb"))
        XCTAssertThrowsError(try CacheReader(path: path), line: line) { e in
            XCTAssertTrue(e is CacheDamage, "\(e)", line: line)
            XCTAssertTrue("\(e)".contains("LMDB structure is damaged") && "\(e)".contains("Fix:"), "\(e)", line: line)
        }
    }

    func testSoundCachesPass() throws {
        for path in [try cache(), try cache(big: true)] {
            let s = try walk(try bytes(path))
            XCTAssertEqual(s.entries["records"], try CacheReader(path: path).recordCount())
            XCTAssertEqual(s.pageSize, Self.pageSize)
            XCTAssertTrue(try CacheReader(path: path).verify().ok)
        }
        // A cache resumed by a second writer (its free list holds pages of the first one's transactions).
        let path = temporaryCachePath()
        let m = testManifest(count: 600, taps: [TapSpec(name: "v", dtype: .bf16, shape: [40], layout: "C")])
        do { let w = try writeSamples(path, m, 0..<300); try w.flush() }
        let w = try writeSamples(path, m, 300..<600)
        XCTAssertTrue(try w.finish())
        XCTAssertEqual(try walk(try bytes(path)).entries["records"], 600)
    }

    func testHeaderNamingAnotherPageIsRefused() throws {
        let path = try cache()
        var b = try bytes(path)
        // Leaf pages include stale copies in the free space: damage every one, so live ones are hit.
        for p in pages(b, flags: 2) { b[p * Self.pageSize + 1] ^= 0x80 }
        try expectDamage(path, b, page: nil, "in its header")
    }

    func testLowerPastUpperIsRefused() throws {
        let path = try cache()
        var b = try bytes(path)
        for p in pages(b, flags: 2) { put16(&b, p * Self.pageSize + 12, 4094) }
        try expectDamage(path, b, page: nil, "lower 4094")
    }

    func testBranchChildOutsideTheFileIsRefused() throws {
        let path = try cache()
        var b = try bytes(path)
        let branches = pages(b, flags: 1)
        XCTAssertFalse(branches.isEmpty, "2,000 records should need a branch page")
        for p in branches {
            let o = p * Self.pageSize
            let node = o + u16(b, o + 16)
            put16(&b, node, 0xFFF0)   // child page number 0xFFF0 + …: far past the end
        }
        try expectDamage(path, b, page: nil, "outside pages 2...")
    }

    func testBranchLoopIsRefused() throws {
        let path = try cache()
        var b = try bytes(path)
        for p in pages(b, flags: 1) {   // every branch's last child points back at the branch itself
            let o = p * Self.pageSize
            let count = (u16(b, o + 12) - 16) / 2
            let node = o + u16(b, o + 16 + 2 * (count - 1))
            put16(&b, node, p); put16(&b, node + 2, 0); put16(&b, node + 4, 0)
        }
        try expectDamage(path, b, page: nil, "twice")
    }

    func testOverflowNumberPointingAtALeafIsRefused() throws {
        let path = try cache(big: true)
        var b = try bytes(path)
        let leaves = pages(b, flags: 2)
        for p in leaves {   // each big record's overflow page number → a leaf page
            let o = p * Self.pageSize
            for i in 0..<((u16(b, o + 12) - 16) / 2) {
                let node = o + u16(b, o + 16 + 2 * i)
                guard u16(b, node + 4) == 1 else { continue }   // F_BIGDATA
                put64(&b, node + 8 + u16(b, node + 6), UInt64(leaves[0]))
            }
        }
        try expectDamage(path, b, page: nil, "page")
    }

    func testNodeOffsetOutsideThePageIsRefused() throws {
        let path = try cache()
        var b = try bytes(path)
        for p in pages(b, flags: 2) { put16(&b, p * Self.pageSize + 16, 4095) }
        try expectDamage(path, b, page: nil, "outside the node area")
    }

    /// A free-list record keyed 0 made a resumed writer hand pages out twice (LMDB's assertion in
    /// mdb_page_dirty; found by thaw-fuzz): free-list keys must be past transaction ids, in order.
    func testFreeListKeyZeroIsRefused() throws {
        let path = try cache(count: 300)
        var b = try bytes(path)
        let u64 = { (o: Int) -> UInt64 in (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }
        let meta = u64(144) > u64(Self.pageSize + 144) ? 0 : Self.pageSize   // the newer meta page
        let root = Int(u64(meta + 80)), depth = u16(b, meta + 46)
        XCTAssertEqual(depth, 1, "300 records in 8-record transactions should leave a one-page free list")
        let o = root * Self.pageSize
        XCTAssertGreaterThan(u16(b, o + 12), 16, "the free list should hold a record")
        let node = o + u16(b, o + 16)
        XCTAssertEqual(u16(b, node + 6), 8, "free-list keys are 8-byte transaction ids")
        put64(&b, node + 8, 0)
        try expectDamage(path, b, page: root, "key 0")
    }

    func testWrongPageKindIsRefused() throws {
        let path = try cache()
        var b = try bytes(path)
        for p in pages(b, flags: 1) { put16(&b, p * Self.pageSize + 10, 2) }   // branch pages claim to be leaves
        try expectDamage(path, b, page: nil, "expected a branch page")
    }
}

/// Damaged meta pages that once trapped (found by thaw-fuzz): a last page whose byte offset
/// overflows, and a transaction id with the top bit set.
final class DamagedMetaTests: XCTestCase {
    private func put64(_ b: inout [UInt8], _ o: Int, _ v: UInt64) { for k in 0..<8 { b[o + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) } }

    private func damagedCache(_ damage: (inout [UInt8]) -> Void) throws -> String {
        let path = temporaryCachePath()
        let w = try writeSamples(path, testManifest(count: 40), 0..<40)
        XCTAssertTrue(try w.finish())
        let file = URL(fileURLWithPath: path + "/data.mdb")
        var b = [UInt8](try Data(contentsOf: file))
        damage(&b)
        try Data(b).write(to: file)
        return path
    }

    func testHugeLastPageIsRefused() throws {
        // last_pg @136 of both meta pages (pages 0 and 1).
        let path = try damagedCache { b in for meta in [0, 4096] { put64(&b, meta + 136, 1 << 62) } }
        XCTAssertThrowsError(try CacheReader(path: path)) { e in
            XCTAssertTrue("\(e)".contains(path) && "\(e)".contains("Fix:"), "\(e)")
        }
    }

    /// LMDB maps the other meta page at the newest meta's page size: a damaged size made it read past
    /// the file (SIGBUS inside mdb_env_open; found by thaw-fuzz). Meta page 1 is the newer one here.
    func testMetaPageSizeDisagreementIsRefused() throws {
        let path = try damagedCache { b in b[4096 + 43] ^= 0x02 }   // meta page 1: page size 4096 → 0x02001000
        XCTAssertThrowsError(try CacheReader(path: path)) { e in
            XCTAssertTrue(e is CacheDamage, "\(e)")
            XCTAssertTrue("\(e)".contains("page size"), "\(e)")
        }
    }

    func testTransactionIdWithTheTopBitSetDoesNotTrap() throws {
        // txnid @144: meta 0 now looks newest to LMDB; its (older, sound) tree is what opens.
        let path = try damagedCache { b in put64(&b, 144, 0x8000_0000_0000_0005) }
        do {
            let reader = try CacheReader(path: path)
            XCTAssertLessThanOrEqual(try reader.recordCount(), 40)
        } catch {
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }
}
