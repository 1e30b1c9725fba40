import Foundation

public struct RunRegistryError: Error, CustomStringConvertible {
    public var description: String
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
    public func all() throws -> [RunRecord] {
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try names.map { name in
            let url = folder.appendingPathComponent(name)
            do {
                return try decoder.decode(RunRecord.self, from: Data(contentsOf: url))
            } catch {
                throw RunRegistryError(description: "\(url.path): not a Thaw run record (\(error)). Move it out of \(folder.path).")
            }
        }.sorted { $0.startedAt < $1.startedAt }
    }

    /// The record whose id is `id` or starts with it (unique prefix).
    public func find(_ id: String) throws -> RunRecord {
        let matches = try all().filter { $0.id == id || $0.id.hasPrefix(id) }
        guard matches.count == 1 else {
            throw RunRegistryError(description: matches.isEmpty
                ? "no run '\(id)' in \(folder.path); `thaw runs` lists them"
                : "'\(id)' matches \(matches.count) runs (\(matches.map(\.id).joined(separator: ", "))); give more of the id")
        }
        return matches[0]
    }
}
