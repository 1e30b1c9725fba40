import Foundation
import ThawBackbones
import ThawFineTune
import ThawStore
import ThawRuns

// MARK: - Below the cached boundary (raw images)

extension FinetuneCommand {
    /// `--from input`, `--from stem` or an uncached `--from blocks.K` on an EfficientNet-Lite cache, an uncached
    /// `--from features.K` on a MobileNetV2 cache, or `--raw`:
    /// trains from the raw images (re-read from --data or the source of the cache's extract run).
    func runRaw(_ options: FineTuneOptions, cache reader: CacheReader, plan: FineTunePlan) throws {
        var o = options
        o.data = data
        let quiet = json
        let printer = FineTuneProgressPrinter(quiet: quiet, checkpoint: checkpoint)
        let result = try RawFineTuneRun.run(o, cache: reader, plan: plan, commandLine: CommandLine.arguments,
                                            onLoaded: { printer.loaded($0) }) { printer.handle($0) }
        let (record, url) = try RunName.save(result.record, name: name, beside: cache)
        if json { return try printJSON(record) }
        printSummary(validation: result.validation, test: result.test, outcome: result.outcome,
                     speed: "images/s (train, decode + augmentation included)", record: record, url: url)
    }
}
