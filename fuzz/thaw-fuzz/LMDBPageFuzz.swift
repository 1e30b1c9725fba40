import Foundation
import ThawCore
import ThawStore

/// LMDB page damage: real caches written by `CacheWriter` (a two-level tree of small records, records
/// in overflow pages, an unfinished cache with free pages), their structure damaged where LMDB
/// trusts it — page headers, node-offset arrays, node headers, overflow page numbers, meta pages —
/// then opened, verified (a cursor over every record), searched by key and (the unfinished one, half
/// the time) finished by the writer.
struct LMDBPageFuzz: FuzzClass {
    struct Seed {
        var name: String
        var bytes: [UInt8]
        var manifest: Manifest
        /// Pages worth damaging: branch, leaf, overflow and the two meta pages.
        var pages: [Int]
        var writable: Bool
    }
    static let pageSize = 4096
    var seeds: [Seed] = []
    let cache: String

    init(scratch: String) throws {
        cache = scratch + "/cache"
        let tree = Self.manifest(count: 3000, taps: [TapSpec(name: "pool", dtype: .f16, shape: [8], layout: "C")])
        let big = Self.manifest(count: 24, taps: [TapSpec(name: "map", dtype: .f32, shape: [3, 300], layout: "TC")])
        let partial = Self.manifest(count: 1200, taps: [TapSpec(name: "pool", dtype: .bf16, shape: [24], layout: "C")])
        seeds.append(try Self.seed("tree", tree, 0..<3000, at: scratch + "/seed-tree"))
        seeds.append(try Self.seed("overflow", big, 0..<24, at: scratch + "/seed-overflow"))
        seeds.append(try Self.seed("partial", partial, 0..<600, at: scratch + "/seed-partial", finish: false))
    }

    static func manifest(count: Int, taps: [TapSpec]) -> Manifest {
        Manifest(toolVersion: "0.1.0", backbone: "efficientnet-lite0", weightsSHA256: String(repeating: "ab", count: 32),
                 preprocessing: #"{"resize":256,"crop":224}"#, taps: taps, dataFingerprint: "files:\(count)",
                 labelNames: ["cat", "dog", "eagle"], splitNames: ["train", "val"], sampleCount: count)
    }

    static func sample(_ i: Int, _ m: Manifest) -> CachedSample {
        let values = m.taps.enumerated().map { t, tap in (0..<tap.elementCount).map { j in Float(sin(Double(i * 131 + t * 7 + j) * 0.37)) } }
        return CachedSample(index: i, view: 0, label: Int32(i % 3), split: i % 5 == 0 ? 1 : 0, id: "images/\(i).jpg", taps: values)
    }

    static func seed(_ name: String, _ m: Manifest, _ indices: Range<Int>, at path: String, finish: Bool = true) throws -> Seed {
        do {
            let w = try CacheWriter.open(at: path, manifest: m, batchSize: 64, initialMapSize: 1 << 22)
            for i in indices { try w.append(sample(i, m)) }
            if finish { _ = try w.finish() } else { try w.flush() }
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")))
        var pages = [0, 1]
        for p in 2..<(bytes.count / pageSize) {
            let flags = Int(bytes[p * pageSize + 10]) | Int(bytes[p * pageSize + 11]) << 8
            if [1, 2, 4].contains(flags) { pages.append(p) }
        }
        guard pages.count > 4 else { throw FuzzSetupError("seed cache \(name) has \(pages.count) pages") }
        return Seed(name: name, bytes: bytes, manifest: m, pages: pages, writable: !finish)
    }

    mutating func run(_ rng: inout SplitMix64) throws {
        let seed = seeds[rng.below(seeds.count)]
        var b = seed.bytes
        for _ in 0..<(1 + rng.below(3)) { damage(&b, seed, &rng) }
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        try writeFile(cache + "/data.mdb", b)
        if let keep = ProcessInfo.processInfo.environment["THAW_FUZZ_KEEP"] { try writeFile(keep, b) }   // to reproduce by hand
        let reader = try CacheReader(path: cache)
        _ = try reader.verify()   // a cursor over every record
        for _ in 0..<4 { _ = try reader.sample(at: rng.below(seed.manifest.sampleCount + 2)) }   // key searches from the root
        if seed.writable && rng.chance(2) {
            let w = try CacheWriter.open(at: cache, manifest: seed.manifest, batchSize: 64)
            for i in 600..<seed.manifest.sampleCount { try w.append(Self.sample(i, seed.manifest)) }
            _ = try w.finish()
            _ = try CacheReader(path: cache).verify()
        }
    }

    /// Damages one page where LMDB trusts it.
    func damage(_ b: inout [UInt8], _ seed: Seed, _ rng: inout SplitMix64) {
        let ps = Self.pageSize
        let page = seed.pages[rng.below(seed.pages.count)]
        let o = page * ps
        let lower = min(ps, max(16, Int(b[o + 12]) | Int(b[o + 13]) << 8))
        let at: Int
        switch rng.below(10) {
        case 0...3: at = o + rng.below(16)                      // header: number, flags, lower/upper or run length
        case 4...5: at = o + 16 + rng.below(max(1, lower - 16))   // the node-offset array
        case 6...8:                                                 // a node header, or an overflow page number after a key
            let count = max(1, (lower - 16) / 2), i = rng.below(count)
            let node = Int(b[o + 16 + 2 * i]) | Int(b[o + 17 + 2 * i]) << 8
            at = o + min(ps - 1, node + rng.below(8 + 10 + 8))
        default: at = o + rng.below(ps)
        }
        switch rng.below(4) {
        case 0: b[at] ^= UInt8(1 << rng.below(8))
        case 1: b[at] = UInt8(truncatingIfNeeded: rng.next())
        case 2: Mutate.integer(&b, at: at, &rng)
        default:  // a small page-number-like value: another real page, the last page, one past the end
            let last = b.count / ps - 1
            let v = UInt16(truncatingIfNeeded: [seed.pages[rng.below(seed.pages.count)], last, last + 1, 0, 1, ps, ps - 1, 16][rng.below(8)])
            b[at] = UInt8(v & 0xFF)
            if at + 1 < o + ps { b[at + 1] = UInt8(v >> 8) }
        }
    }
}
