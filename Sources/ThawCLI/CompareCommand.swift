import ArgumentParser
import Foundation
import ThawRuns

/// `thaw compare`: runs side by side, differences against the first.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs side by side: accuracy, per-class accuracy, calibration and cost, with deltas against the first run.",
        discussion: """
            A run is named by its id, a run name (--name of fit, sweep, finetune: the latest run of that name),             a kind (fit, sweep, finetune, extract: the latest run of that kind), a unique id prefix, or a .json record file.             Example: thaw compare --cache C sweep fit. Columns show run names, else short labels such as "sweep (linear, pool)".
            """)

    @Argument(help: "Runs: ids, names, kinds (the latest run of that kind), unique id prefixes or .json record files; the first is the baseline.")
    var ids: [String]
    @OptionGroup var source: RunSource
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Flag(help: "Print Markdown tables.") var markdown = false

    func validate() throws {
        if ids.isEmpty { throw ValidationError("Name at least one run (see `thaw runs`).") }
        if json && markdown { throw ValidationError("--json and --markdown exclude each other.") }
    }

    func run() throws {
        let comparison = RunComparison(runs: try source.records(ids))
        if json { return try printJSON(comparison) }
        print(markdown ? comparison.markdown() : comparison.text(colour: stdoutTakesColour()))
    }
}
