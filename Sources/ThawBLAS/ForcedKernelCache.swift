import Foundation

/// The last comparison of a forced kernel with Thaw's choice, kept per machine so that `thaw extract` can warn
/// without spending seconds measuring: `thaw doctor` always measures and stores; `extract` reads the stored
/// figures and measures (briefly) only when there are none for this machine.
///
/// One JSON object in `<user cache dir>/thaw/forced-kernel.json` (`$XDG_CACHE_HOME`, else `~/.cache`), keyed by
/// CPU model, OpenBLAS build (`openblas_get_config`, which names its version), thread count and both kernels:
/// a new CPU, OpenBLAS upgrade or thread count is a new entry. Written to a temporary name, then renamed.
public struct ForcedKernelCache: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var comparison: ForcedKernelComparison
        /// When it was measured (ISO 8601, UTC).
        public var measured: String
    }

    public let path: String

    public init(path: String) { self.path = path }

    /// `$XDG_CACHE_HOME/thaw/forced-kernel.json`, else `$HOME/.cache/thaw/forced-kernel.json`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ForcedKernelCache {
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.cache")
        return ForcedKernelCache(path: base + "/thaw/forced-kernel.json")
    }

    public static func key(cpuModel: String, openBLASConfig: String, threads: Int, forced: String, best: String) -> String {
        "\(cpuModel) | \(openBLASConfig) | \(threads) threads | \(forced) vs \(best)"
    }

    /// The stored entry for `key`; nil when there is none or the file is unreadable (it is only a cache:
    /// the caller measures again and `store` replaces it).
    public func lookup(_ key: String) -> Entry? {
        entries()[key]
    }

    /// Adds or replaces the entry for `key`; throws naming the file when it cannot be written.
    public func store(_ comparison: ForcedKernelComparison, key: String, measured: Date = Date()) throws {
        var all = entries()
        all[key] = Entry(comparison: comparison, measured: ISO8601DateFormatter().string(from: measured))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(all)
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw BLASError(problem: "cannot write the kernel measurement cache \(path): \(error.localizedDescription)",
                            fix: "make \(folder) writable, or set XDG_CACHE_HOME to a writable folder")
        }
    }

    private func entries() -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: path),
              let all = try? JSONDecoder().decode([String: Entry].self, from: data) else { return [:] }
        return all
    }
}
