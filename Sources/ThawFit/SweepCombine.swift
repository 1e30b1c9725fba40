import Foundation
import ThawCore
import ThawRuns

/// Merges the records of `thaw sweep --shard i/N` runs into one sweep record: the tables are joined
/// in grid order and the best on validation is picked with the same rule as a single sweep. Its test
/// metrics come from the shard that trained it (each shard evaluates only its own best on test).
public enum SweepCombine {
    public static func combine(_ shards: [RunRecord], commandLine: [String] = []) throws -> RunRecord {
        guard let first = shards.first else { throw FitError("--combine: name at least one sweep run record") }
        for r in shards where r.kind != .sweep {
            throw FitError("run \(r.id) is a \(r.kind.rawValue) run, not a sweep. Fix: combine only `thaw sweep --shard` records")
        }
        for r in shards where r.cacheFingerprint != first.cacheFingerprint || r.config["grid_size"] != first.config["grid_size"] {
            throw FitError("run \(r.id) swept another cache or grid than \(first.id) (fingerprint \(r.cacheFingerprint ?? "?") "
                           + "vs \(first.cacheFingerprint ?? "?"), grid \(r.config["grid_size"]?.number ?? 0) vs "
                           + "\(first.config["grid_size"]?.number ?? 0)). Fix: combine shards of one sweep command")
        }
        let gridSize = Int(first.config["grid_size"]?.number ?? 0)
        var rows: [(index: Int, row: [String: JSONValue], shard: Int)] = []
        for (s, r) in shards.enumerated() {
            guard case .array(let table)? = r.metrics["table"] else { throw FitError("run \(r.id) has no sweep table") }
            for case .object(let o) in table {
                guard let i = o["index"]?.number else { throw FitError("run \(r.id): a table row lacks its grid index") }
                rows.append((Int(i), o, s))
            }
        }
        rows.sort { $0.index < $1.index }
        let indices = rows.map(\.index)
        if let dup = zip(indices, indices.dropFirst()).first(where: { $0 == $1 }) {
            throw FitError("grid point \(dup.0) appears in two records; a shard was given twice. Fix: give each shard once")
        }
        let missing = Set(0..<gridSize).subtracting(indices)
        guard missing.isEmpty else {
            throw FitError("\(missing.count) of \(gridSize) grid points are missing (first: \(missing.sorted().prefix(5))). "
                           + "Fix: run and add the missing shards (their configs name `shard`)")
        }
        func val(_ o: [String: JSONValue]) -> (Double, Double) { (o["val_top1"]?.number ?? 0, o["val_loss"]?.number ?? .infinity) }
        var best = 0
        for j in rows.indices.dropFirst() {
            let (a1, al) = val(rows[j].row), (b1, bl) = val(rows[best].row)
            if a1 > b1 || (a1 == b1 && al < bl) { best = j }
        }
        let winner = shards[rows[best].shard]
        guard winner.metrics["best_index"]?.number.map(Int.init) == rows[best].index else {
            throw FitError("run \(winner.id) did not pick grid point \(rows[best].index) as its best; its record is inconsistent")
        }
        var metrics = winner.metrics
        metrics["table"] = .array(rows.map { .object($0.row) })
        metrics["best"] = .number(Double(best))
        metrics["train_seconds"] = .number(shards.reduce(0) { $0 + ($1.metrics["train_seconds"]?.number ?? 0) })
        var config = winner.config
        config["shard"] = .string("combined")
        config["combined_from"] = .array(shards.map { .string($0.id) })
        let started = shards.map(\.startedAt).min()!
        var record = RunRecord(id: RunRecord.newID(kind: .sweep), kind: .sweep, commandLine: commandLine, startedAt: started,
                               wallSeconds: shards.reduce(0) { $0 + $1.wallSeconds }, cache: first.cache,
                               cacheFingerprint: first.cacheFingerprint, config: config, metrics: metrics,
                               epochs: winner.epochs, thawVersion: thawVersion)
        record.peakRSSBytes = shards.compactMap(\.peakRSSBytes).max()
        record.blasKernel = winner.blasKernel
        record.samplesPerSecond = winner.samplesPerSecond
        return record
    }

    /// Reads run records: a path to a `.json` file, or an id (prefix) in `registry`.
    public static func records(_ refs: [String], registry: RunRegistry?) throws -> [RunRecord] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try refs.map { ref in
            if FileManager.default.fileExists(atPath: ref) {
                do { return try decoder.decode(RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: ref))) } catch {
                    throw FitError("\(ref): not a Thaw run record (\(error)). Fix: pass the .json files `thaw sweep --shard` wrote")
                }
            }
            guard let registry else { throw FitError("\(ref): no such file; pass --cache to look run ids up beside the cache") }
            return try registry.find(ref)
        }
    }
}
