import ArgumentParser
import Foundation
import ThawRuns

/// `--name` of fit, sweep and finetune: checked before training, stored in the run record.
enum RunName {
    static let help: ArgumentHelp = """
        Name the run; `thaw compare`, `thaw runs` and `thaw report` show it, and it stands for the run's id \
        (the latest run of that name). Default: none (tables show a short label such as "sweep (linear, pool)").
        """

    /// A name must be usable as a run reference: not empty, not a kind, not a `.json` path.
    static func check(_ name: String?) throws {
        guard let name else { return }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name is empty. Fix: give a name, e.g. --name mlp-wide") }
        if RunRecord.Kind(rawValue: name) != nil {
            throw ValidationError("--name \(name): a kind name already means the latest run of that kind. Fix: pick another name, e.g. \(name)-1")
        }
        if name.hasSuffix(".json") { throw ValidationError("--name \(name): names ending in .json read as record files. Fix: drop .json") }
    }

    /// Stores `name` in the record and saves it beside `cache`.
    static func save(_ record: RunRecord, name: String?, beside cache: String) throws -> (RunRecord, URL) {
        var named = record
        if let name { named.name = name }
        return (named, try RunRegistry.beside(cache: cache).save(named))
    }
}
