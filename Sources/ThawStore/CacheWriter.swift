import Foundation

/// Appends samples to a cache, resumably: opening an existing cache checks its manifest and
/// learns which records are committed; those are skipped, the rest are written in batches of
/// `batchSize` samples per transaction. A crash loses at most the open batch. Records hold no
/// timestamps, so a resumed cache's records equal an uninterrupted run's byte for byte.
public final class CacheWriter {
    public let path: String
    public let manifest: Manifest
    /// Samples per write transaction.
    public let batchSize: Int
    let environment: LMDBEnvironment
    private let withViews: Bool
    private var committed: Set<CacheKey> = []
    private var pending: [(key: CacheKey, value: [UInt8])] = []
    private var pendingKeys: Set<CacheKey> = []
    /// True once every record of the shard range is committed (also stored in `meta`).
    public private(set) var isComplete = false

    /// Opens (creating if needed) the cache at `path` for `manifest`. An existing cache with a
    /// different manifest is refused with every differing field listed.
    /// - Parameter initialMapSize: LMDB map size to start from; it doubles whenever it fills.
    public static func open(at path: String, manifest: Manifest, batchSize: Int = 256,
                            initialMapSize: Int = 1 << 30) throws -> CacheWriter {
        try CacheWriter(path: path, manifest: manifest, batchSize: batchSize, initialMapSize: initialMapSize)
    }

    private init(path: String, manifest: Manifest, batchSize: Int, initialMapSize: Int) throws {
        precondition(batchSize >= 1, "batchSize must be ≥ 1")
        self.path = path
        self.manifest = manifest
        self.batchSize = batchSize
        self.withViews = manifest.views > 1
        environment = try LMDBEnvironment.shared(at: path, create: true, initialMapSize: initialMapSize)
        let (stored, storedChecksum) = try environment.read {
            (try $0.get(.meta, MetaKey.manifest), try $0.get(.meta, MetaKey.manifestChecksum))
        }
        if let stored {
            try ManifestChecksum.check(stored, stored: storedChecksum, path: path)
            let existing = try Manifest.decode(stored, path: path)
            let diffs = existing.differences(from: manifest)
            guard diffs.isEmpty else { throw StoreError.manifestMismatch(path: path, fields: diffs) }
            if storedChecksum == nil {
                try environment.write { try $0.put(.meta, MetaKey.manifestChecksum, ManifestChecksum.of(stored)) }
            }
        } else {
            let bytes = manifest.encoded()
            try environment.write { txn in
                try txn.put(.meta, MetaKey.manifest, bytes)
                try txn.put(.meta, MetaKey.manifestChecksum, ManifestChecksum.of(bytes))
                try txn.put(.meta, MetaKey.complete, MetaKey.no)
            }
        }
        var bad: CacheKey?
        let withViews = self.withViews
        try environment.read { txn in
            try txn.scan(.records) { k, _ in
                guard let key = CacheKey(k, withViews: withViews) else { bad = CacheKey(index: -1); return false }
                committed.insert(key)
                return true
            }
            isComplete = try txn.get(.meta, MetaKey.complete) == MetaKey.yes
        }
        let range = manifest.indexRange, views = manifest.views
        strayCount = committed.reduce(0) { $0 + (range.contains($1.index) && $1.view < views ? 0 : 1) }
        if bad != nil {
            throw StoreError.io(path: path, problem: "a record key has the wrong length for views=\(manifest.views)",
                                fix: "run `thaw cache verify` on it; re-extract into a new directory")
        }
        // Check once more, e.g. after an earlier run stopped between its last batch and `finish`.
        if !isComplete && committedInRangeCount == manifest.expectedRecordCount { try markComplete() }
    }

    /// True if the record for `key` is already committed (the extractor skips those).
    public func isCommitted(_ key: CacheKey) -> Bool { committed.contains(key) }

    /// Records committed so far.
    public var committedCount: Int { committed.count }

    /// Committed keys outside the shard range (only a damaged cache has any; `verify` lists them).
    private var strayCount = 0

    private var committedInRangeCount: Int { committed.count - strayCount }

    /// Keys of the shard range not yet committed, in key order.
    public var missingKeys: [CacheKey] {
        var out: [CacheKey] = []
        for i in manifest.indexRange {
            for v in 0..<manifest.views where !committed.contains(CacheKey(index: i, view: v)) {
                out.append(CacheKey(index: i, view: v))
            }
        }
        return out
    }

    /// Queues `sample`, committing a batch when `batchSize` are queued. Returns false (and writes
    /// nothing) if its record is already committed or queued.
    @discardableResult
    public func append(_ sample: CachedSample) throws -> Bool {
        let key = sample.key
        precondition(manifest.indexRange.contains(key.index), "index \(key.index) is outside this shard's range \(manifest.indexRange)")
        precondition(key.view >= 0 && key.view < manifest.views, "view \(key.view) is outside 0..<\(manifest.views)")
        // Ids and labels come from the data: refuse them with a message rather than trap.
        guard sample.id.utf8.count <= Int(UInt16.max) else {
            throw StoreError.io(path: path, problem: "sample \(key) has an id of \(sample.id.utf8.count) bytes (at most 65535)",
                                fix: "use shorter sample ids, e.g. paths relative to the data root")
        }
        guard sample.label >= -1, manifest.labelNames.isEmpty || sample.label < manifest.labelNames.count else {
            throw StoreError.io(path: path, problem: "sample \(key) (\(sample.id)) has label \(sample.label), outside -1..<\(manifest.labelNames.count)",
                                fix: "check the data source's labels against the manifest's labelNames")
        }
        if committed.contains(key) || pendingKeys.contains(key) { return false }
        pending.append((key, Record.encode(sample, manifest: manifest)))
        pendingKeys.insert(key)
        if pending.count >= batchSize { try flush() }
        return true
    }

    /// Queues an already-encoded, checked record (for merging).
    func appendRaw(_ key: CacheKey, _ value: [UInt8]) throws {
        if committed.contains(key) || pendingKeys.contains(key) { return }
        pending.append((key, value))
        pendingKeys.insert(key)
        if pending.count >= batchSize { try flush() }
    }

    /// Commits the queued samples in one transaction (redone after map growth if the map fills).
    public func flush() throws {
        guard !pending.isEmpty else { return }
        let completes = committedInRangeCount + pending.count == manifest.expectedRecordCount
        // Sorted keys past the current end go in with MDB_APPEND, which fills pages instead of
        // splitting them in half (a 1 KiB record took 2,060 bytes on disk without it).
        let withViews = self.withViews
        let batch = pending.map { (key: $0.key.bytes(withViews: withViews), value: $0.value) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
        do {
            try environment.write { txn in
                let append = try txn.lastKey(.records).map { $0.lexicographicallyPrecedes(batch[0].key) } ?? true
                for (key, value) in batch { try txn.put(.records, key, value, append: append) }
                if completes { try txn.put(.meta, MetaKey.complete, MetaKey.yes) }
            }
        } catch let e as LMDBError {
            let keys = pending.map(\.key).sorted { ($0.index, $0.view) < ($1.index, $1.view) }
            throw WriteFailure.error(e, path: path, batch: "\(keys.first!)…\(keys.last!)",
                                     committed: committed.count) ?? e
        }
        for (key, _) in pending { committed.insert(key) }
        // Pages LMDB read while appending stay mapped into this process: drop them, so an overnight
        // extraction's resident memory does not grow with the cache.
        environment.releaseResidentPages()
        pending.removeAll(keepingCapacity: true)
        pendingKeys.removeAll(keepingCapacity: true)
        if completes { isComplete = true }
    }

    /// Commits what is queued and returns whether the cache is complete.
    @discardableResult
    public func finish() throws -> Bool {
        try flush()
        return isComplete
    }

    /// Drops the queued samples without writing them (as a crash would).
    public func discardPending() {
        pending.removeAll()
        pendingKeys.removeAll()
    }

    private func markComplete() throws {
        try environment.write { try $0.put(.meta, MetaKey.complete, MetaKey.yes) }
        isComplete = true
    }
}
