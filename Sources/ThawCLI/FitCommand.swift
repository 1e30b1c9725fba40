import ArgumentParser
import Foundation
import ThawCore
import ThawFit
import ThawHeads
import ThawRuns

/// `thaw fit`: train one head on one tap of a cache, report test metrics, record the run.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Train one classifier head on a cached tap; print per-epoch lines and test metrics; record the run.")

    @Option(help: "Cache directory.") var cache: String
    @Option(help: "Tap name (see `thaw cache info`).") var tap: String
    @Option(help: "linear, mlp:512 or mlp:512,256.") var head = "linear"
    @Option(help: "avg, max, gem or avgmax for map taps (default avg; vectors need none).") var pooling: String?
    @Option(help: "adamw, sgd or lbfgs (logistic regression, linear head).") var optimizer = "adamw"
    // Unset: FitRequest.defaultLearningRate(for:), the library default too.
    @Option(help: "Learning rate (default: 1e-2 for a linear head, 1e-3 for an MLP head; measured best of the two on Fashion-MNIST/Lite0 and BBC News/MiniLM features).")
    var lr: Float?
    @Option(help: "Weight decay.") var weightDecay: Float = 1e-4
    @Option(name: .customLong("c"), help: "L-BFGS inverse regularisation strength (scikit-learn's C).") var c: Double = 1
    @Option(help: "Epochs.") var epochs = 10
    @Option(help: "Batch size.") var batch = 256
    @Option(help: "Label smoothing in [0, 1).") var labelSmoothing: Float = 0
    @Option(help: "`balanced` weighs classes by n / (classes · count) (default: none, every class weighs 1).") var classWeights: String?
    @Option(help: "Stop after N epochs without a lower validation loss and restore the weights of the epoch with the lowest (default: off, all epochs run and the last epoch's weights are kept).") var earlyStop: Int?
    @Option(help: "Seed for weights, shuffling and a carved validation split.") var seed: UInt64 = 0
    @Flag(help: "Flip map taps horizontally at random (feature-space augmentation).") var flip = false
    @Option(help: "Peak memory of the process: bytes, 512M, 2G or 25% of RAM (default 25%). It includes a fixed \(MemoryBudget.fixedCost >> 20) MiB (binary, runtime, OpenBLAS buffers) and the heads; a tap that does not fit beside them is streamed from LMDB, every split, one block at a time (up to two more read ahead on a second thread when they fit the budget).")
    var memoryBudget = "25%"
    @Flag(help: "Train on a cache whose extraction has not finished.") var allowIncomplete = false
    @Option(help: "Write the trained head as a model bundle (safetensors) for `thaw predict` (default: none written).") var export: String?
    @Option(help: RunName.help) var name: String?
    @Flag(help: "Also print the test split's per-class precision / recall / F1 / support and its confusion matrix.") var report = false
    @Option(help: "List the N most confident test mistakes: sample id, true and predicted class, confidence (default: 0, none).")
    var misclassified = 0
    @Flag(help: "Print the run record as JSON instead of text.") var json = false

    func validate() throws {
        guard epochs >= 1, batch >= 1 else { throw ValidationError("--epochs and --batch must be ≥ 1.") }
        guard labelSmoothing >= 0 && labelSmoothing < 1 else { throw ValidationError("--label-smoothing must be in [0, 1).") }
        guard c > 0 else { throw ValidationError("--c must be positive.") }
        if let w = classWeights, w != "balanced" { throw ValidationError("--class-weights takes only `balanced`.") }
        if let e = earlyStop, e < 1 { throw ValidationError("--early-stop must be ≥ 1.") }
        guard misclassified >= 0 else { throw ValidationError("--misclassified must be ≥ 0 (0 lists none).") }
        guard FitRequest.Solver(rawValue: optimizer) != nil else { throw ValidationError("--optimizer: adamw, sgd or lbfgs.") }
    }

    func run() throws {
        try RunName.check(name)
        if let export { try OutputFolder.prepare(export, option: "--export") }
        var q = FitRequest(cache: cache, tap: tap)
        do {
            q.head = try HeadName.parse(head)
            q.pooling = try pooling.flatMap { try PoolingName.parse($0) }
            q.load = TapLoadOptions(memoryBudget: try MemoryBudget.parse(memoryBudget), allowIncomplete: allowIncomplete)
            try MemoryBudget.check(q.load.memoryBudget)
        } catch let e as ThawError { throw ValidationError(e.description) }
        q.solver = FitRequest.Solver(rawValue: optimizer)!
        if let lr { q.lr = lr }; q.weightDecay = weightDecay; q.c = c; q.epochs = epochs; q.batch = batch
        q.labelSmoothing = labelSmoothing; q.balancedClassWeights = classWeights == "balanced"
        q.earlyStop = earlyStop; q.seed = seed; q.flip = flip; q.export = export; q.misclassified = misclassified
        q.commandLine = CommandLine.arguments
        let quiet = json
        let out = try FitRun.run(q, onLoaded: { notes in if !quiet { for n in notes { print("note: \(n)") } } }) { e in
            guard !quiet else { return }
            print(SummaryLine.epoch(e))
        }
        let (record, url) = try RunName.save(out.record, name: name, beside: cache)
        if json { return try printJSON(record) }
        print(String(format: "validation  top-1 %.2f%%  loss %.4f", 100 * out.validation.top1, out.validation.loss))
        if earlyStop != nil, let h = out.history, let last = h.epochs.last?.epoch {
            print(h.weightsEpoch < last
                  ? "early stop  restored the weights of epoch \(h.weightsEpoch + 1), the lowest val loss; \(h.stoppedEarly ? "stopped after" : "trained through") epoch \(last + 1)"
                  : "early stop  kept the weights of the last epoch (\(last + 1)), the lowest val loss")
        }
        if let t = out.test { print("test        " + SummaryLine.test(t)) }
        if report { MetricsText.printReport(record) }
        if misclassified > 0 { MetricsText.printMisclassified(record) }
        if let e = export { print("head        → \(e)") }
        print("run         \(record.id) → \(url.path)")
    }
}
