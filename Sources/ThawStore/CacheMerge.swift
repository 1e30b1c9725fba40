/// Merges shard caches into one whole cache.
public enum CacheMerge {
    /// Checks that the shards' manifests agree (shard spec aside), that their ranges are disjoint
    /// and cover 0..<sampleCount, and that each is complete and sound record by record; then
    /// copies every record unchanged into `output` (a new cache with shard 0/1). Returns the
    /// output's manifest. The result equals a single-process cache record for record.
    @discardableResult
    public static func merge(shards paths: [String], into output: String, batchSize: Int = 256) throws -> Manifest {
        precondition(!paths.isEmpty, "merge needs at least one shard")
        let readers = try paths.map { try CacheReader(path: $0) }
        let first = readers[0].manifest
        for r in readers.dropFirst() {
            let diffs = first.differences(from: r.manifest, ignoringShard: true)
            guard diffs.isEmpty else {
                throw StoreError.manifestMismatch(path: r.path, fields: diffs.map { "\($0) (vs \(readers[0].path))" })
            }
        }
        // Ranges: sorted, they must tile 0..<sampleCount.
        let sorted = readers.sorted { $0.manifest.indexRange.lowerBound < $1.manifest.indexRange.lowerBound }
        var covered = 0
        for r in sorted {
            let range = r.manifest.indexRange
            guard range.lowerBound == covered else {
                let problem = range.lowerBound < covered
                    ? "its range \(range) overlaps another shard's (shard \(r.manifest.shard))"
                    : "indices \(covered)..<\(range.lowerBound) are in no shard"
                throw StoreError.io(path: r.path, problem: problem, fix: "pass each shard i/N of one N exactly once")
            }
            covered = range.upperBound
        }
        guard covered == first.sampleCount else {
            throw StoreError.io(path: sorted.last!.path, problem: "indices \(covered)..<\(first.sampleCount) are in no shard",
                                fix: "pass all N shards")
        }
        for r in readers {
            let report = try r.verify()
            guard report.ok else {
                throw StoreError.io(path: r.path, problem: "shard is not sound:\n\(report.summary)",
                                    fix: "resume its extraction (or re-extract the listed indices), then merge again")
            }
        }
        var whole = first
        whole.shard = .whole
        let writer = try CacheWriter.open(at: output, manifest: whole, batchSize: batchSize)
        let withViews = whole.views > 1
        for r in sorted {
            var chunk: [(CacheKey, [UInt8])] = []
            var start = CacheKey(index: r.manifest.indexRange.lowerBound).bytes(withViews: withViews)
            repeat {
                chunk.removeAll(keepingCapacity: true)
                try r.environment.read { txn in
                    try txn.scan(.records, from: start) { k, v in
                        guard let key = CacheKey(k, withViews: withViews) else { return false }
                        chunk.append((key, Array(v)))
                        return chunk.count < batchSize
                    }
                }
                for (key, value) in chunk { try writer.appendRaw(key, value) }
                if let last = chunk.last { start = last.0.bytes(withViews: withViews) + [0] }
            } while chunk.count == batchSize
        }
        try writer.finish()
        return whole
    }
}
