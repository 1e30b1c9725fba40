import ArgumentParser
import Foundation
import ThawCore
import ThawRuns

/// Bad run files or output paths: the message names the file and the fix (no usage text).
struct RunsCommandError: SentenceError {
    var problem: String
    var fix: String
    init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
}

/// Where run records are read from: `--runs DIR`, else the folder beside `--cache C`, else `THAW_RUNS`.
struct RunSource: ParsableArguments {
    @Option(help: "Cache whose runs to read (its runs sit in CACHE.runs/).") var cache: String?
    @Option(help: "Runs folder (overrides --cache).") var runs: String?

    func registry() throws -> RunRegistry {
        if let runs { return RunRegistry(folder: URL(fileURLWithPath: runs)) }
        if let cache { return RunRegistry.beside(cache: cache) }
        if let env = ProcessInfo.processInfo.environment["THAW_RUNS"], !env.isEmpty {
            return RunRegistry(folder: URL(fileURLWithPath: env))
        }
        throw ValidationError("Say where the runs are: --cache CACHE (runs in CACHE.runs/), --runs DIR, or THAW_RUNS=DIR.")
    }

    /// Records named on the command line: an id (or unique prefix) in the registry, or a `.json` record file.
    func records(_ names: [String]) throws -> [RunRecord] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var registry: RunRegistry?
        return try names.map { name in
            if name.hasSuffix(".json"), FileManager.default.fileExists(atPath: name) {
                do { return try decoder.decode(RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: name))) }
                catch { throw RunsCommandError("\(name): not a Thaw run record (\(error)); give a file written by thaw fit/sweep/finetune/extract.") }
            }
            if registry == nil { registry = try self.registry() }
            return try registry!.find(name)
        }
    }
}

/// Whether stdout is a terminal that takes colours (and NO_COLOR is not set).
func stdoutTakesColour() -> Bool {
    isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        && ProcessInfo.processInfo.environment["TERM"] != "dumb"
}

/// `thaw runs`: the runs recorded beside a cache, oldest first.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List recorded runs: id, kind, date, key metric, wall time.")

    @OptionGroup var source: RunSource
    @Option(help: "Only runs of this kind: \(RunRecord.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String?
    @Option(help: "Only runs started on or after this date (yyyy-MM-dd, UTC, or ISO 8601).") var since: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        if let kind, RunRecord.Kind(rawValue: kind) == nil {
            throw ValidationError("--kind \(kind): expected one of \(RunRecord.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if let since, RunListing.parseDate(since) == nil {
            throw ValidationError("--since \(since): expected a date like 2026-11-18 or 2026-11-18T06:00:00Z.")
        }
    }

    func run() throws {
        let registry = try source.registry()
        let listing = RunListing(runs: try registry.all(), kind: kind.flatMap(RunRecord.Kind.init(rawValue:)),
                                 since: since.flatMap(RunListing.parseDate))
        if json { return try printJSON(listing) }
        if listing.entries.isEmpty {
            print("no runs in \(registry.folder.path)\(kind != nil || since != nil ? " matching the filters" : "")")
            return
        }
        print(listing.table().text())
    }
}
