import Foundation
import ThawCore
import ThawStore
import XCTest

/// Page-level damage to a real cache's `data.mdb` (headers, node-offset arrays and node headers of
/// branch, leaf and overflow pages — what LMDB trusts, not the records' bytes): `thaw cache verify`
/// and `thaw fit` end with a message and an exit status, never a signal. Before the page walk, about
/// 6 of 40 such flips killed both with SIGSEGV, SIGBUS or an LMDB assertion.
final class CachePageDamageCLITests: XCTestCase {
    static let pageSize = 4096
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "thaw-page-damage-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(atPath: dir) }
    }

    /// A fit-able cache written by `CacheWriter`: `count` samples of one tap, 3 classes, train/val/test,
    /// written 64 per transaction (so the file also holds free pages).
    private func writeCache(_ name: String, count: Int, tap: TapSpec) throws -> String {
        let path = dir + "/" + name
        let m = Manifest(toolVersion: "0.1.0", backbone: "efficientnet-lite0", weightsSHA256: String(repeating: "ab", count: 32),
                         preprocessing: "{}", taps: [tap], dataFingerprint: "files:\(count)", labelNames: ["cat", "dog", "eagle"],
                         splitNames: ["train", "val", "test"], sampleCount: count)
        var rng = SplitMix64(seed: 5)
        let w = try CacheWriter.open(at: path, manifest: m, batchSize: 64, initialMapSize: 1 << 22)
        for i in 0..<count {
            let y = i % 3
            let values = (0..<tap.elementCount).map { j in Float(j % 3 == y ? 2 : 0) + Float(rng.nextNormal()) }
            try w.append(CachedSample(index: i, view: 0, label: Int32(y), split: [0, 0, 0, 1, 2][i % 5], id: "images/\(i).jpg", taps: [values]))
        }
        XCTAssertTrue(try w.finish())
        return path
    }

    /// Branch, leaf and overflow pages of a `data.mdb` (flags at byte 10 of each page).
    private func structurePages(_ bytes: [UInt8]) -> [(page: Int, flags: Int)] {
        (2..<(bytes.count / Self.pageSize)).compactMap { p in
            let flags = Int(bytes[p * Self.pageSize + 10]) | Int(bytes[p * Self.pageSize + 11]) << 8
            return [1, 2, 4].contains(flags) ? (p, flags) : nil
        }
    }

    func testVerifyAndFitSurviveSeededPageDamage() throws {
        let small = try writeCache("small", count: 1500, tap: TapSpec(name: "pool", dtype: .f16, shape: [12], layout: "C"))
        let big = try writeCache("big", count: 30, tap: TapSpec(name: "pool", dtype: .f32, shape: [700], layout: "C"))
        var rng = SplitMix64(seed: 15)
        var structureDamage = 0, flips = 0
        var kinds = Set<Int>()
        for (source, flipsHere) in [(small, 32), (big, 16)] {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source + "/data.mdb")))
            let pages = structurePages(original)
            XCTAssertTrue(pages.contains { $0.flags == 1 } || source == big, "the small cache should have a branch page")
            for _ in 0..<flipsHere {
                let (page, flags) = pages[Int(rng.next() % UInt64(pages.count))]
                kinds.insert(flags)
                let o = page * Self.pageSize
                let lower = max(16, Int(original[o + 12]) | Int(original[o + 13]) << 8)
                var at: Int
                switch rng.next() % 3 {
                case 0: at = o + Int(rng.next() % 16)                                                        // page header
                case 1: at = o + 16 + Int(rng.next() % UInt64(max(1, min(lower, Self.pageSize) - 16)))       // node offsets
                default:                                                                                      // a node header
                    let i = Int(rng.next() % UInt64(max(1, (min(lower, Self.pageSize) - 16) / 2)))
                    at = o + min(Self.pageSize - 1, Int(original[o + 16 + 2 * i]) | Int(original[o + 17 + 2 * i]) << 8) + Int(rng.next() % 8)
                }
                at = min(at, o + Self.pageSize - 1)
                var damaged = original
                damaged[at] ^= UInt8(1 + rng.next() % 255)
                flips += 1
                let cache = dir + "/flip\(flips)"
                try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
                try Data(damaged).write(to: URL(fileURLWithPath: cache + "/data.mdb"))
                let what = "flip \(flips): page \(page) (flags \(flags)) byte \(at - o)"

                let verify = try ThawBinary.run(["cache", "verify", cache])
                XCTAssertFalse(verify.signalled, "\(what): verify died of signal \(verify.status)\n\(verify.stderr)")
                XCTAssert([0, 1].contains(verify.status), "\(what): verify exit status \(verify.status)\n\(verify.stderr)")
                if verify.status == 1 {
                    let text = verify.stdout + verify.stderr
                    XCTAssertTrue(text.contains(cache), "\(what): the message does not name the cache:\n\(text)")
                    XCTAssertTrue(text.contains("damaged") || text.contains("bad record") || text.contains("missing") || text.contains("unexpected key"),
                                  "\(what): no clear report:\n\(text)")
                    if text.contains("LMDB structure is damaged") {
                        structureDamage += 1
                        XCTAssertTrue(text.contains("Fix: restore the cache folder from a copy, or re-extract"), "\(what): no fix:\n\(text)")
                    }
                } else {
                    XCTAssertTrue(verify.stdout.contains("ok"), "\(what): \(verify.stdout)")
                }

                let fit = try ThawBinary.run(["fit", "--cache", cache, "--tap", "pool", "--epochs", "1", "--name", "flip\(flips)"], in: dir)
                XCTAssertFalse(fit.signalled, "\(what): fit died of signal \(fit.status)\n\(fit.stderr)")
                XCTAssert([0, 1].contains(fit.status), "\(what): fit exit status \(fit.status)\n\(fit.stderr)")
                if fit.status == 1 {
                    XCTAssertTrue(fit.stderr.contains(cache) && fit.stderr.contains("Fix:"), "\(what): fit's message names no cache or fix:\n\(fit.stderr)")
                }
                // A flip verify calls harmless must not stop fit on the structure either.
                if verify.status == 0 { XCTAssertFalse(fit.stderr.contains("LMDB structure is damaged"), "\(what): \(fit.stderr)") }
            }
        }
        print("\(flips) page flips: \(structureDamage) reported as LMDB structure damage, none died of a signal")
        XCTAssertGreaterThanOrEqual(flips, 40)
        XCTAssertEqual(kinds, [1, 2, 4], "the flips should reach branch, leaf and overflow pages")
        // Most header flips make the structure unsound; the walk must name them (not the records' checksums).
        XCTAssertGreaterThanOrEqual(structureDamage, flips / 3, "only \(structureDamage) of \(flips) flips were reported as structure damage")
    }

    func testVerifyJSONReportsTheDamagedPage() throws {
        let cache = try writeCache("json", count: 1500, tap: TapSpec(name: "pool", dtype: .f16, shape: [12], layout: "C"))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: cache + "/data.mdb")))
        // Leaf pages include stale copies among the free pages: damage them all, so the live ones are hit.
        let leaves = structurePages(bytes).filter { $0.flags == 2 }.map(\.page)
        for leaf in leaves { bytes[leaf * Self.pageSize + 13] ^= 0x40 }   // `lower` now points past the page
        try Data(bytes).write(to: URL(fileURLWithPath: cache + "/data.mdb"))
        let r = try ThawBinary.run(["cache", "verify", "--json", cache])
        XCTAssertEqual(r.status, 1, r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        XCTAssertEqual(object["ok"] as? Bool, false)
        XCTAssertTrue(leaves.contains(object["damagedPage"] as? Int ?? -1), r.stdout)
        XCTAssertTrue((object["problem"] as? String)?.contains("lower") == true, r.stdout)
    }
}
