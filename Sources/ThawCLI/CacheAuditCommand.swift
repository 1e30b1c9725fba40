import ArgumentParser
import Foundation
import ThawAudit
import ThawRuns
import ThawStore

extension CacheCommand {
    /// `thaw cache audit`: what storing taps as f16/bf16 costs, measured on a seeded sample.
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-extract a seeded sample at float32 and report each tap's storage error and probe accuracy.",
            discussion: """
                Whole forward blocks of 16 samples are re-read from the cache's source and run through the backbone \
                again at float32 (the same arithmetic as the extraction), so the difference is the storage type's alone. \
                Per tap: the max and mean absolute error, the max error relative to the tap's largest value, and a \
                logistic-regression probe (C = 1, maps mean-pooled) trained on the audited train rows once on the stored and \
                once on the float32 values and tested on the audited test (or val) rows. The record is saved beside the \
                cache; `thaw report` shows it.
                """)
        @Argument(help: "Cache directory.") var path: String
        @Option(help: "Samples to re-extract, rounded up to whole blocks of 16.") var samples = 512
        @Option(help: "Seed choosing the blocks.") var seed: UInt64 = 0
        @Option(help: "Backbone weights (default: those of the extract run recorded beside the cache).") var weights: String?
        @Option(help: "Data source (default: the one the extract run recorded beside the cache names).") var data: String?
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func validate() throws {
            guard (1...1_000_000).contains(samples) else { throw ValidationError("--samples \(samples): give 1…1000000 samples") }
        }

        func run() throws {
            let started = Date()
            let fingerprint = try CacheReader(path: path).manifest.fingerprint
            var bar: ProgressBar?
            let result = try CacheAudit.run(AuditOptions(cache: path, samples: samples, seed: seed, weights: weights, data: data)) { done, total in
                if json { return }
                guard let bar else { bar = ProgressBar("audit", total: total, alreadyDone: done); return }
                bar.advance(by: done - bar.done)
            }
            bar?.finish()
            let record = result.record(commandLine: CommandLine.arguments, startedAt: started, fingerprint: fingerprint)
            let saved = try RunRegistry.beside(cache: path).save(record)
            if json { return try printJSON(result) }
            print(String(format: "audited %d samples of %@ (%@) in %.1f s: stored values against a float32 re-extraction",
                         result.samples, path, result.backbone, result.seconds))
            print(AuditTable.table(record).text(colour: isatty(1) != 0))
            for note in AuditTable.notes(record) { print("note: " + note) }
            print("Δ top-1: probe on stored values minus probe on float32 values, in points; agree: same predicted class.")
            print("run record: \(saved.path)")
        }
    }
}
