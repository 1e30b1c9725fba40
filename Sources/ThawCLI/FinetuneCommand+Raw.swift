import Foundation
import ThawFineTune
import ThawRuns

// MARK: - Below the cached boundary (raw images)

extension FinetuneCommand {
    /// `--from input`, `--from stem` or an uncached `--from blocks.K` on an EfficientNet-Lite cache:
    /// trains from the raw images (re-read from --data or the source of the cache's extract run).
    func runRaw(_ options: FineTuneOptions) throws {
        var o = options
        o.data = data
        let quiet = json
        let printer = FineTuneProgressPrinter(quiet: quiet, checkpoint: checkpoint)
        let result = try RawFineTuneRun.run(o, commandLine: CommandLine.arguments,
                                            onLoaded: { notes in if !quiet { for n in notes { print("note: \(n)") } } }) { printer.handle($0) }
        let url = try RunRegistry.beside(cache: cache).save(result.record)
        if json { return try printJSON(result.record) }
        print(String(format: "validation  top-1 %.2f%%  loss %.4f", 100 * result.validation.top1, result.validation.loss))
        if let t = result.test {
            print(String(format: "test        top-1 %.2f%%  top-5 %.2f%%  mean per class %.2f%%  macro-F1 %.4f  ECE %.4f  (%d samples)",
                         100 * t.top1, 100 * t.top5, 100 * t.meanPerClassAccuracy, t.macroF1, t.expectedCalibrationError, t.count))
        }
        if result.outcome.stoppedEarly { print("stopped early; best epoch \(result.outcome.bestEpoch + 1)") }
        print(String(format: "speed       %.1f images/s (train, decode + augmentation included)", result.outcome.rowsPerSecond))
        print("run         \(result.record.id) → \(url.path)")
    }
}
