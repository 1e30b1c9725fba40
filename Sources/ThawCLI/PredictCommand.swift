import ArgumentParser
import Foundation
import ThawBundle
import ThawHeads
import ThawInputs
import ThawPredict

/// `thaw predict`: apply a bundle to new images or texts, or to a cache's stored features.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Apply a trained model bundle to new images or texts (or to a cache); print or write class probabilities.",
        discussion: """
            A bundle comes from `thaw fit --export`, `thaw sweep --export-best` or `thaw finetune --export`.
            Inputs are streamed in batches; with true labels (class folders, a manifest's label column, IDX
            labels, a cache) the metrics are printed too.
              thaw predict --bundle head.safetensors photos/cat.jpg photos/           images and folders of images
              thaw predict --bundle topics.safetensors "Shares fell sharply today"    strings, for a text bundle
              thaw predict --bundle head.safetensors --data fashion-mnist --split test --output preds.csv
              thaw predict --bundle head.safetensors --cache cache/fm --split test   from stored features, no backbone pass
            """)

    @Option(help: "Model bundle (.safetensors) to apply.") var bundle: String
    @Option(help: "Weight file of the frozen backbone (head bundles; default: the installed weights, checked by SHA-256).")
    var weights: String?
    @Option(help: "A data source as `thaw extract --data` takes it: class folders, a flat folder, .csv/.jsonl, IDX, or a shortcut.")
    var data: String?
    @Option(help: "Predict from a feature cache's stored tap instead of running the backbone.") var cache: String?
    @Option(help: "Only this split of --data or --cache: train, val or test.") var split: String?
    @Option(help: "With --data: at most N samples per split, chosen as `thaw extract --limit` chooses them.") var limit: Int?
    @Option(help: "Classes listed per input.") var top = 5
    @Option(help: "Inputs per forward pass.") var batch = 32
    @Option(help: "Write every row to a .csv or .jsonl file (written whole or not at all).") var output: String?
    @Option(help: "stop at the first unreadable input, or skip it and list it at the end.") var onError = "stop"
    @Option(help: "Rows printed on the terminal (default: 20, or none with --output); the rest are counted.") var show: Int?
    @Flag(help: "Print one JSON object (rows unless --output, metrics, skipped inputs) instead of text.") var json = false
    @Argument(help: "Images, folders of images, or (text bundles) strings, .txt files and folders of them.")
    var inputs: [String] = []

    func validate() throws {
        let given = [!inputs.isEmpty, data != nil, cache != nil].filter { $0 }.count
        if given > 1, !inputs.isEmpty {
            // An unknown option's value lands among the inputs (ArgumentParser reports the option itself only
            // after this check), so name what was read as inputs.
            let shown = inputs.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (inputs.count > 3 ? ", …" : "")
            throw ValidationError("Give exactly one of: inputs, --data SOURCE or --cache DIR; \(shown) \(inputs.count == 1 ? "was" : "were") read as inputs. "
                                  + "If one is the value of an option, check that option's name in `thaw predict --help`.")
        }
        guard given == 1 else { throw ValidationError("Give exactly one of: inputs, --data SOURCE or --cache DIR.") }
        guard (1...1000).contains(top) else { throw ValidationError("--top must be in 1...1000.") }
        guard (1...4096).contains(batch) else { throw ValidationError("--batch must be in 1...4096.") }
        if let show, show < 0 { throw ValidationError("--show must be ≥ 0.") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1.") }
        if limit != nil && data == nil { throw ValidationError("--limit applies to --data only.") }
        if let split, Split(rawValue: split) == nil { throw ValidationError("--split: train, val or test.") }
        if split != nil && data == nil && cache == nil { throw ValidationError("--split applies to --data or --cache.") }
        guard OnError(rawValue: onError) != nil else { throw ValidationError("--on-error: stop or skip.") }
    }

    struct Output: Encodable {
        var bundle: String
        var count: Int
        var seconds: Double
        var rows: [PredictionRow]?
        var output: String?
        var metrics: ClassificationMetrics?
        var classes: [String]
        var unknownLabels: [String: Int]
        var skipped: [String]
    }

    func run() throws {
        let model = try ModelBundle.read(bundle)
        let d = model.description
        var q = PredictRequest(bundle: bundle)
        q.weights = weights; q.inputs = inputs; q.data = data; q.cache = cache
        q.split = split.flatMap(Split.init(rawValue:)); q.limit = limit
        q.top = min(top, d.classes.count); q.batch = batch; q.onError = OnError(rawValue: onError)!
        let runner = try BundleRunner(model, weights: weights)
        let writer = try output.map { try PredictionWriter(path: $0, top: q.top) }
        let show = self.show ?? (output == nil ? 20 : 0)
        var kept: [PredictionRow] = []
        var bar: ProgressBar?
        let started = Date()
        let summary: PredictSummary
        do {
            summary = try Predict.run(q, runner: runner, total: { n in if n > 64 { bar = ProgressBar("predict", total: n) } }) { rows in
                try writer?.write(rows)
                if json {
                    if writer == nil { kept += rows }
                } else if kept.count < show {
                    kept += rows.prefix(show - kept.count)
                }
                bar?.advance(by: rows.count)
            }
            bar?.finish()
            try writer?.finish()
        } catch {
            writer?.discard()
            throw error
        }
        let seconds = Date().timeIntervalSince(started)
        if json {
            return try printJSON(Output(bundle: bundle, count: summary.count, seconds: seconds, rows: writer == nil ? kept : nil,
                                        output: output, metrics: summary.metrics, classes: d.classes,
                                        unknownLabels: summary.unknownLabels, skipped: summary.skipped))
        }
        for r in kept {
            let truth = r.label.map { $0 == r.predicted ? "  ✓" : "  ✗ true: \($0)" } ?? ""
            print("\(r.id)\(truth)")
            for t in r.top { print(String(format: "  %6.2f%%  %@", 100 * t.probability, t.label)) }
        }
        if summary.count > kept.count && writer == nil {
            print("… \(summary.count - kept.count) more rows; write them all with --output preds.csv (or --show N)")
        }
        print(String(format: "predicted %d samples in %.1f s (%.1f/s) with %@ (%@ head on %@, %d classes)", summary.count, seconds,
                     Double(summary.count) / max(seconds, 1e-9), bundle, d.head.type, d.tap.name, d.classes.count))
        if let output { print("rows        → \(output)") }
        if let m = summary.metrics {
            MetricsText.print(m, classes: d.classes)
        }
        for (label, n) in summary.unknownLabels.sorted(by: { $0.key < $1.key }) {
            print("note: \(n) samples have the label \"\(label)\", which the bundle does not know; they are predicted but not scored")
        }
        for s in summary.skipped { print("skipped \(s)") }
    }
}
