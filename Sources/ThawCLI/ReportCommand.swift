import ArgumentParser
import Foundation
import ThawRuns

/// `thaw report`: one self-contained HTML page for some runs or all runs of a cache.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML report (inline SVG charts, no scripts, no network).",
        discussion: "Learning curves, sweep heat maps, confusion matrices, per-class accuracy and a cost table. "
            + "Without run ids, every fit, sweep and finetune run of --cache (or --runs) is included.")

    @Argument(help: "Run ids (or unique prefixes, or .json record files); the first is the baseline.") var ids: [String] = []
    @OptionGroup var source: RunSource
    @Option(name: .shortAndLong, help: "Output HTML file.") var output = "report.html"
    @Option(help: "Page title.") var title = "Thaw report"

    func run() throws {
        var runs = try source.records(ids)
        if ids.isEmpty {
            let registry = try source.registry()
            runs = try registry.all().filter { $0.kind != .extract }
        }
        let audits = runs.filter { $0.kind == .audit }
        runs = runs.filter { $0.kind != .audit }
        if runs.isEmpty {
            throw RunsCommandError(description: "No fit, sweep or finetune runs to report on. Fix: train one first (thaw fit), or name run ids.")
        }
        let url = URL(fileURLWithPath: output)
        do { try Data(ReportHTML.render(runs: runs, audits: audits, title: title).utf8).write(to: url, options: .atomic) }
        catch { throw RunsCommandError(description: "\(output): cannot write the report (\(error.localizedDescription)); check the folder exists and is writable.") }
        print("report of \(runs.count) run\(runs.count == 1 ? "" : "s") → \(url.path)")
    }
}
