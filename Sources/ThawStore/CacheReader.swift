import Foundation
import ThawCore

/// Reads a cache: random access, in-order iteration, shuffled blocks. Each call runs in its own
/// short read transaction, so reading goes on while a writer (thread or process) appends, and
/// iteration sees records committed after it started.
public final class CacheReader {
    public let path: String
    public let manifest: Manifest
    let environment: LMDBEnvironment
    private let withViews: Bool

    /// Opens the cache at `path`; throws if it is missing or not a Thaw cache.
    public init(path: String) throws {
        self.path = path
        environment = try LMDBEnvironment.shared(at: path, create: false)
        let (stored, checksum) = try environment.read {
            (try $0.get(.meta, MetaKey.manifest), try $0.get(.meta, MetaKey.manifestChecksum))
        }
        guard let bytes = stored else {
            throw StoreError.io(path: path, problem: "no manifest in the `meta` database", fix: "re-extract the cache")
        }
        try ManifestChecksum.check(bytes, stored: checksum, path: path)
        manifest = try Manifest.decode(bytes, path: path)
        withViews = manifest.views > 1
    }

    /// Position of the tap named `name` in `manifest.taps` (and in `CachedSample.taps`).
    public func tapIndex(_ name: String) throws -> Int {
        guard let i = manifest.taps.firstIndex(where: { $0.name == name }) else {
            throw StoreError.io(path: path, problem: "no tap named \"\(name)\"",
                                fix: "choose one of \(manifest.taps.map(\.name).joined(separator: ", "))")
        }
        return i
    }

    /// Records stored now.
    public func recordCount() throws -> Int {
        try environment.read { try $0.stat(.records).ms_entries }
    }

    /// The `complete` flag in `meta`.
    public func isComplete() throws -> Bool {
        try environment.read { try $0.get(.meta, MetaKey.complete) } == MetaKey.yes
    }

    /// The stored sample ids (file names, as the source named them) of sample `indices`, view 0.
    public func sampleIDs(_ indices: [Int]) throws -> [String] {
        try indices.map { i in
            guard let s = try sample(at: i) else {
                throw StoreError.io(path: path, problem: "sample \(i) is not in the cache", fix: "run `thaw cache verify`")
            }
            return s.id
        }
    }

    /// The sample at `index` (and `view`), checksum verified; nil if not (yet) written.
    /// `only`: decode that tap position alone (see `Record.decode`).
    public func sample(at index: Int, view: Int = 0, only: Int? = nil) throws -> CachedSample? {
        let key = CacheKey(index: index, view: view)
        return try environment.read { txn -> CachedSample? in
            guard let bytes = try txn.get(.records, key.bytes(withViews: withViews)) else { return nil }
            return try bytes.withUnsafeBytes { try Record.decode($0, key: key, manifest: manifest, path: path, only: only) }
        }
    }

    /// Calls `body` with every sample in key order (index, then view), starting at `from`, until
    /// it returns false. Reads `chunk` records per transaction; records committed meanwhile by a
    /// writer are included if their keys come later.
    /// `include(key, split)`, when given, is asked before a record is decoded (the split read from its header):
    /// records it refuses are skipped undecoded (no checksum, no tap conversion): a test split behind 60,000
    /// training records costs their scan only. A split out of range is never skipped, so `decode` names the damage.
    /// `only`: decode that tap position alone, the others left empty (see `Record.decode`).
    public func forEach(from start: CacheKey = CacheKey(index: 0), chunk: Int = 256,
                        include: ((CacheKey, Int) -> Bool)? = nil, only: Int? = nil,
                        _ body: (CachedSample) throws -> Bool) throws {
        precondition(chunk >= 1, "chunk must be ≥ 1")
        var next = start.bytes(withViews: withViews)
        while true {
            var batch: [CachedSample] = []
            var last: CacheKey?
            try environment.read { txn in
                try txn.scan(.records, from: next) { k, v in
                    guard let key = CacheKey(k, withViews: withViews) else {
                        throw StoreError.badRecord(path: path, key: "\(Array(k))", problem: "key has the wrong length")
                    }
                    last = key
                    if let include, let split = Record.splitIndex(v), split < manifest.splitNames.count, !include(key, split) {
                        return true
                    }
                    batch.append(try Record.decode(v, key: key, manifest: manifest, path: path, only: only))
                    return batch.count < chunk
                }
            }
            for s in batch where try !body(s) { return }
            guard let last, batch.count == chunk else { return }
            next = CacheKey(index: last.index, view: last.view).bytes(withViews: withViews) + [0]  // just after `last`
        }
    }

    /// The samples (all views) with indices in `range`, in key order; missing ones are left out.
    public func samples(in range: Range<Int>) throws -> [CachedSample] {
        var out: [CachedSample] = []
        try forEach(from: CacheKey(index: range.lowerBound), chunk: max(1, min(range.count * manifest.views, 4096))) { s in
            guard s.key.index < range.upperBound else { return false }
            out.append(s)
            return true
        }
        return out
    }

    /// Contiguous index blocks of `blockSize` covering this cache's range, in an order shuffled
    /// by `seed` (SplitMix64 + Fisher–Yates; the same seed gives the same order everywhere).
    public func shuffledBlocks(blockSize: Int, seed: UInt64) -> [Range<Int>] {
        precondition(blockSize >= 1, "blockSize must be ≥ 1")
        let r = manifest.indexRange
        var blocks = stride(from: r.lowerBound, to: r.upperBound, by: blockSize).map { $0..<min($0 + blockSize, r.upperBound) }
        var rng = SplitMix64(seed: seed)
        if blocks.count > 1 {
            for i in stride(from: blocks.count - 1, to: 0, by: -1) {
                blocks.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
        }
        return blocks
    }

    /// Streams blocks of samples in shuffled block order (for training from the cache).
    public func forEachBlock(blockSize: Int, seed: UInt64, _ body: ([CachedSample]) throws -> Void) throws {
        for block in shuffledBlocks(blockSize: blockSize, seed: seed) {
            try body(try samples(in: block))
        }
    }
}
