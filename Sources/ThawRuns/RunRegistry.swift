import Foundation
import ThawCore

public struct RunRegistryError: SentenceError {
    public var problem: String
    public var fix: String
    public init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
}

/// The runs folder: one `<id>.json` per run. By default it sits beside the cache
/// (`cache/NAME` → `cache/NAME.runs/`), so a cache and the runs made from it travel together;
/// `THAW_RUNS` or an explicit folder overrides.
public struct RunRegistry: Sendable {
    public let folder: URL

    public init(folder: URL) { self.folder = folder }

    /// The registry that belongs to a cache path.
    public static func beside(cache: String) -> RunRegistry {
        if let env = ProcessInfo.processInfo.environment["THAW_RUNS"], !env.isEmpty {
            return RunRegistry(folder: URL(fileURLWithPath: env))
        }
        let trimmed = cache.hasSuffix("/") ? String(cache.dropLast()) : cache
        return RunRegistry(folder: URL(fileURLWithPath: trimmed + ".runs"))
    }

    /// Writes the record atomically (temp file + rename): a crash never leaves half a record.
    /// NaN or infinite numbers (a diverged run) are written as null and `warn` says so: the record
    /// is kept, never lost to an encoding error.
    @discardableResult
    public func save(_ record: RunRecord,
                     warn: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var record = record
        if !record.wallSeconds.isFinite { record.wallSeconds = 0 }   // not optional: null would not decode
        let (data, nonFinite) = try FiniteJSON.encode(record, formatting: [.prettyPrinted, .sortedKeys])
        if nonFinite > 0 { warn(FiniteJSON.warning(nonFinite, in: "run \(record.id)")) }
        let url = folder.appendingPathComponent(record.id + ".json")
        try data.write(to: url, options: .atomic)
        return url
    }

    /// Every record, oldest first. A file that is not a run record is an error naming it.
    /// Start times are stored to the second; runs started in the same second are ordered by when
    /// their record was written.
    public func all() throws -> [RunRecord] {
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try names.map { name -> (RunRecord, Date) in
            let url = folder.appendingPathComponent(name)
            let written = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? .distantPast
            do {
                return (try decoder.decode(RunRecord.self, from: Data(contentsOf: url)), written)
            } catch {
                throw RunRegistryError("\(url.path): not a Thaw run record (\(error)). Move it out of \(folder.path).")
            }
        }.sorted { $0.0.startedAt != $1.0.startedAt ? $0.0.startedAt < $1.0.startedAt : $0.1 < $1.1 }.map(\.0)
    }

    /// The run `ref` names, tried in this order: an exact id; a run name (`--name`; the latest run of
    /// that name); a kind (`fit`, `sweep`, `finetune`, `extract`: the latest run of that kind); a unique
    /// id prefix. "Latest" is by start time.
    public func find(_ ref: String) throws -> RunRecord {
        let runs = try all()   // oldest first
        if let run = runs.first(where: { $0.id == ref }) { return run }
        if let run = runs.last(where: { $0.name == ref }) { return run }
        if let kind = RunRecord.Kind(rawValue: ref), let run = runs.last(where: { $0.kind == kind }) { return run }
        let matches = runs.filter { $0.id.hasPrefix(ref) }
        guard matches.count == 1 else {
            throw RunRegistryError(matches.isEmpty
                ? "no run '\(ref)' in \(folder.path); `thaw runs` lists them"
                : "'\(ref)' matches \(matches.count) runs (\(matches.map(\.id).joined(separator: ", "))); give more of the id")
        }
        return matches[0]
    }
}
