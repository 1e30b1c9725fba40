import ArgumentParser
import Foundation
import ThawCore
import ThawFit
import ThawHeads
import ThawRuns
import ThawStore

/// `thaw sweep`: a grid of heads on cached taps, best chosen on validation and tested once.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train a grid of heads (stacked, one pass per input and shape); pick the best on validation; record the run.",
        discussion: """
            Lists take commas or repeated flags (heads only repeat: --head linear --head mlp:512,256).
            Defaults: 8 learning rates × 3 weight decays, linear head, the tap's natural pooling, AdamW.
            --c or --c-grid N switches to an L-BFGS logistic-regression path over C (warm-started).
            --shard i/N runs the i-th of N contiguous slices of the grid; `thaw sweep --combine RUN…` merges the shard records.
            A killed sweep resumes when the same command is run again: each finished group of heads is recorded in
            CACHE.runs/sweep-progress/ and not trained again (another cache, grid, seed or training option starts a fresh record).
            --label-smoothing, --class-weights, --early-stop and --flip apply to every head as in `thaw fit`.
            With --early-stop each head stops on its own and keeps the weights of its lowest-val-loss epoch;
            the stack stops when every head has.
            --folds K: stratified K-fold cross-validation on the whole training split (nothing is carved).
            The table shows each point's mean ± sd of val top-1 over the folds; the best point is refitted
            on all training data and tested once. Not with --shard or --combine; not resumed.
            """)

    @Option(help: "Cache directory (no default: required unless --combine or --combine-dir is given).") var cache: String?
    @Option(help: "Tap names (default: the cache's first tap).") var tap: [String] = []
    @Option(help: "Learning rates (default: \(SweepAxes().lrs.map { String(format: "%g", $0) }.joined(separator: ","))).") var lr: [String] = []
    @Option(help: "Weight decays (default: \(SweepAxes().weightDecays.map { String(format: "%g", $0) }.joined(separator: ","))).")
    var weightDecay: [String] = []
    @Option(help: "Head shapes: linear, mlp:512, mlp:512,256 (repeat the flag; default: linear).") var head: [String] = []
    @Option(help: "Poolings for map taps: avg, max, gem, avgmax (default: avg for map taps; vectors need none).") var pooling: [String] = []
    @Option(name: .customLong("c"), help: "L-BFGS C values (default: none, the gradient-descent grid runs).") var c: [String] = []
    @Option(help: "N values of C log-spaced over 1e-6…1e6 for L-BFGS (default: none).") var cGrid: Int?
    @Option(help: "adamw or sgd for the gradient-descent grid.") var optimizer = "adamw"
    @Option(help: "JSON file with any of: tap, lr, weight_decay, head, pooling, c, epochs, batch (flags override; default: none).")
    var config: String?
    @Option(help: "Run shard i of N of the grid, e.g. 0/4 (default: the whole grid).") var shard: String?
    @Option(help: "Epochs per head (default: 10, or the --config file's epochs).") var epochs: Int?
    @Option(help: "Batch size (default: 256, or the --config file's batch).") var batch: Int?
    @Option(help: "Seed (head k of the grid uses seed + k).") var seed: UInt64 = 0
    @Option(help: "Label smoothing in [0, 1) for every head.") var labelSmoothing: Float = 0
    @Option(help: "`balanced` weighs classes by n / (classes · count) (default: none, every class weighs 1).") var classWeights: String?
    @Option(help: "Stop each head after N epochs without a lower validation loss and restore its weights of the epoch with the lowest (default: off, every head trains all epochs and keeps its last).")
    var earlyStop: Int?
    @Flag(help: "Flip map taps horizontally at random (feature-space augmentation; default: off).") var flip = false
    @Option(help: "K-fold cross-validation on the training split: rank points by mean val top-1 over K stratified folds, refit the best on all training data (default: none, validate on the validation split).")
    var folds: Int?
    @Option(help: "List the chosen head's N most confident test mistakes: sample id, true and predicted class, confidence (default: 0, none).")
    var misclassified = 0
    @Option(help: "Peak memory of the process: bytes, 512M, 2G or 25% of RAM (default 25%). It includes a fixed \(MemoryBudget.fixedCost >> 20) MiB (binary, runtime, OpenBLAS buffers) and the heads; a tap that does not fit beside them is streamed from LMDB, every split, one block at a time (up to two more read ahead on a second thread when they fit the budget).")
    var memoryBudget = "25%"
    @Flag(help: "Sweep a cache whose extraction has not finished.") var allowIncomplete = false
    @Option(parsing: .upToNextOption, help: "Merge these shard run records (ids beside --cache, or .json paths; default: none).")
    var combine: [String] = []
    @Option(help: "Merge every shard sweep record in this folder (default: none).") var combineDir: String?
    @Option(help: "Write the validation winner, as trained in this sweep (nothing retrained), as a model bundle for `thaw predict` (default: none written).")
    var exportBest: String?
    @Option(help: RunName.help) var name: String?
    @Flag(help: "Also print, for the chosen head, the test split's per-class precision / recall / F1 / support and its confusion matrix.") var report = false
    @Option(help: "Table rows to print: the top K by validation, and the chosen head (0: all rows).") var show = 10
    @Flag(help: "Print the run record as JSON instead of text.") var json = false

    struct FileConfig: Decodable {
        var tap: [String]?, lr: [Float]?, weight_decay: [Float]?, head: [String]?, pooling: [String]?, c: [Double]?
        var epochs: Int?, batch: Int?
    }

    func validate() throws {
        if combine.isEmpty && combineDir == nil && cache == nil { throw ValidationError("Pass --cache (or --combine RUN…).") }
        if let e = epochs, e < 1 { throw ValidationError("--epochs must be ≥ 1.") }
        if let b = batch, b < 1 { throw ValidationError("--batch must be ≥ 1.") }
        if let n = cGrid, n < 1 { throw ValidationError("--c-grid must be ≥ 1.") }
        if let s = shard, ShardSpec(parsing: s) == nil { throw ValidationError("--shard takes i/N with 0 ≤ i < N, e.g. 0/4.") }
        if exportBest != nil && (shard != nil || !combine.isEmpty || combineDir != nil) {
            throw ValidationError("--export-best needs the whole grid in one run (a shard's winner may not be the sweep's).")
        }
        guard ["adamw", "sgd"].contains(optimizer) else { throw ValidationError("--optimizer: adamw or sgd (use --c for L-BFGS).") }
        guard labelSmoothing >= 0 && labelSmoothing < 1 else { throw ValidationError("--label-smoothing must be in [0, 1).") }
        if let w = classWeights, w != "balanced" { throw ValidationError("--class-weights takes only `balanced`.") }
        if let e = earlyStop, e < 1 { throw ValidationError("--early-stop must be ≥ 1.") }
        guard misclassified >= 0 else { throw ValidationError("--misclassified must be ≥ 0 (0 lists none).") }
        if let k = folds {
            guard k >= 2 else { throw ValidationError("--folds must be ≥ 2 (leave it out to validate on the validation split).") }
            if shard != nil {
                throw ValidationError("--folds ranks every grid point by its fold scores and refits the winner; a --shard sees part of the grid. Fix: drop --shard or --folds.")
            }
            if !combine.isEmpty || combineDir != nil {
                throw ValidationError("--folds trains a sweep; --combine/--combine-dir merge finished shard records (shards do not take --folds). Fix: drop --folds.")
            }
        }
    }

    func run() throws {
        try RunName.check(name)
        if let exportBest { try OutputFolder.prepare(exportBest, option: "--export-best") }
        guard show >= 0 else { throw ValidationError("--show must be ≥ 0 (0 prints every row).") }
        if !combine.isEmpty || combineDir != nil { return try runCombine() }
        let file: FileConfig? = try config.map { path in
            do { return try JSONDecoder().decode(FileConfig.self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
                throw ValidationError("\(path): not a sweep config (\(error)). Keys: tap, lr, weight_decay, head, pooling, c, epochs, batch.")
            }
        }
        func list(_ flag: [String]) -> [String] { flag.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } }
        func numbers<T: LosslessStringConvertible>(_ flag: [String], _ name: String) throws -> [T] {
            try list(flag).map { s in guard let v = T(s) else { throw ValidationError("--\(name): \"\(s)\" is not a number.") }; return v }
        }
        var q = SweepRequest(cache: cache!)
        do {
            let taps = tap.isEmpty ? (file?.tap ?? []) : list(tap)
            q.axes.taps = taps
            let lrs: [Float] = lr.isEmpty ? (file?.lr ?? []) : try numbers(lr, "lr")
            if !lrs.isEmpty { q.axes.lrs = lrs }
            let wds: [Float] = weightDecay.isEmpty ? (file?.weight_decay ?? []) : try numbers(weightDecay, "weight-decay")
            if !wds.isEmpty { q.axes.weightDecays = wds }
            let heads = head.isEmpty ? (file?.head ?? []) : head
            if !heads.isEmpty { q.axes.heads = try heads.map(HeadName.parse) }
            let pools = pooling.isEmpty ? (file?.pooling ?? []) : list(pooling)
            q.axes.poolings = try pools.map(PoolingName.parse)
            let cs: [Double] = c.isEmpty ? (file?.c ?? []) : try numbers(c, "c")
            if let n = cGrid { q.axes.cs = SweepAxes.cGrid(n) } else if !cs.isEmpty { q.axes.cs = cs }
            q.load = TapLoadOptions(memoryBudget: try MemoryBudget.parse(memoryBudget), allowIncomplete: allowIncomplete)
            try MemoryBudget.check(q.load.memoryBudget)
        } catch let e as ThawError { throw ValidationError(e.description) }
        q.solver = optimizer == "sgd" ? .sgd : .adamw
        q.epochs = epochs ?? file?.epochs ?? 10
        q.batch = batch ?? file?.batch ?? 256
        q.seed = seed
        q.shard = shard.flatMap { ShardSpec(parsing: $0) } ?? .whole
        q.commandLine = CommandLine.arguments
        q.exportBest = exportBest
        q.labelSmoothing = labelSmoothing; q.balancedClassWeights = classWeights == "balanced"
        q.earlyStop = earlyStop; q.flip = flip; q.misclassified = misclassified; q.folds = folds
        // Finished groups are recorded here as they complete; re-running the same command resumes.
        q.progressFolder = RunRegistry.beside(cache: q.cache).folder.appendingPathComponent("sweep-progress")
        let quiet = json
        let out = try SweepRun.run(q, onGroup: { if !quiet { print("training \($0)") } },
                                   onNote: { if !quiet { print("sweep: \($0)") } })
        let (record, url) = try RunName.save(out.record, name: name, beside: q.cache)
        out.progress?.remove()
        if json { return try printJSON(record) }
        for n in out.notes { print("note: \(n)") }
        printTable(record)
        if report { MetricsText.printReport(record) }
        if misclassified > 0 { MetricsText.printMisclassified(record) }
        if let e = exportBest { print("best  → \(e)  (apply it with: thaw predict --bundle \(e) INPUTS…)") }
        print("run   \(record.id) → \(url.path)")
    }

    private func runCombine() throws {
        var records = try SweepCombine.records(combine, registry: cache.map { RunRegistry.beside(cache: $0) })
        if let dir = combineDir {
            // Every sweep shard record in the folder, whatever its file is called (e.g. `--json > shards/3.json`).
            let found = try RunRegistry(folder: URL(fileURLWithPath: dir)).all()
                .filter { $0.kind == .sweep && !["combined", "0/1"].contains($0.config["shard"]?.string ?? "") }
            guard !found.isEmpty else { throw ValidationError("\(dir): no sweep run records to combine.") }
            records += found
        }
        var merged = try SweepCombine.combine(records, commandLine: CommandLine.arguments)
        if let name { merged.name = name }
        let registry = cache.map { RunRegistry.beside(cache: $0) }
            ?? merged.cache.map { RunRegistry.beside(cache: $0) } ?? RunRegistry(folder: URL(fileURLWithPath: "."))
        let url = try registry.save(merged)
        if json { return try printJSON(merged) }
        printTable(merged)
        if report { MetricsText.printReport(merged) }
        if misclassified > 0 { MetricsText.printMisclassified(merged) }
        print("run   \(merged.id) (combined from \(records.count) shards) → \(url.path)")
    }

    /// The table in the order the sweep ranks heads (`SweepRun.better`: val top-1, then lower val loss, then
    /// lower grid #): the top `show` rows (all for 0) and the chosen one, notes on ties and undertrained
    /// heads, then the chosen head's test metrics.
    private func printTable(_ r: RunRecord) {
        // Whole numbers from the record; nil for anything else (a damaged record prints less, never traps).
        func int(_ v: JSONValue?) -> Int? { v?.number.flatMap { Int(exactly: $0.rounded()) } }
        guard case .array(let table)? = r.metrics["table"], let best = int(r.metrics["best"]), table.indices.contains(best) else { return }
        let rows: [[String: JSONValue]] = table.map { if case .object(let o) = $0 { return o } else { return [:] } }
        func num(_ v: JSONValue?, _ f: String) -> String { v?.number.map { String(format: f, $0) } ?? "-" }
        func top1(_ i: Int) -> Double { rows[i]["val_top1"]?.number ?? 0 }
        func loss(_ i: Int) -> Double { rows[i]["val_loss"]?.number ?? .infinity }
        func grid(_ i: Int) -> Int { int(rows[i]["index"]) ?? i }
        let order = rows.indices.sorted {
            top1($0) != top1($1) ? top1($0) > top1($1) : loss($0) != loss($1) ? loss($0) < loss($1) : grid($0) < grid($1)
        }
        var shown = show == 0 ? order : Array(order.prefix(show))
        if !shown.contains(best) { shown.append(best) }
        // Lowest validation loss at the last epoch: still improving when training stopped.
        let epochs = int(r.config["epochs"]) ?? 0
        let gradientDescent = r.config["optimizer"]?.string != "lbfgs" && epochs > 1
        func lastEpoch(_ i: Int) -> Bool { gradientDescent && int(rows[i]["best_epoch"]) == epochs - 1 }
        func pad(_ t: String, _ w: Int) -> String { t.count >= w ? t + " " : t + String(repeating: " ", count: w - t.count) }
        let folds = int(r.config["folds"])
        func sd(_ i: Int) -> Double? { rows[i]["val_top1_sd"]?.number }
        print("  #   tap         pooling head          lr        wd        C         "
              + (folds != nil ? "cv top-1 (mean ± sd)  cv loss" : "val top-1  val loss"))
        for i in shown {
            let o = rows[i]
            let text = (i == best ? "* " : "  ") + pad(String(grid(i)), 4) + pad(o["tap"]?.string ?? "", 12)
                + pad(o["pooling"]?.string ?? "", 8) + pad(o["head"]?.string ?? "", 14) + pad(num(o["lr"], "%.1e"), 10)
                + pad(num(o["weight_decay"], "%.1e"), 10) + pad(num(o["c"], "%.2e"), 10)
            let score = folds != nil ? String(format: "%8.2f%% ± %5.2f      %8.4f", 100 * top1(i), 100 * (sd(i) ?? .nan), o["val_loss"]?.number ?? 0)
                : String(format: "%8.2f%%  %8.4f", 100 * top1(i), o["val_loss"]?.number ?? 0)
            let stopped = o["stopped_early"]?.bool == true ? "  stopped, kept ep \((int(o["weights_epoch"]) ?? 0) + 1)" : ""
            print(text + score + (lastEpoch(i) ? "  *last" : "") + stopped)
        }
        if shown.count < rows.count {
            print("  … \(rows.count - shown.count) more of \(rows.count) rows (--show 0 prints all, --show K the top K)")
        }
        if let k = folds {
            print("ranked by mean val top-1 over \(k) stratified folds of the training split, ties by lower mean val loss, then lower grid #; * = chosen, "
                  + "refitted on all \(int(r.config["train_rows"]) ?? 0) training samples for \(int(r.config["refit_epochs"]) ?? 0) epochs")
        } else {
            print("ranked by val top-1, ties by lower val loss, then lower grid #; * = chosen")
        }
        if let patience = int(r.config["early_stop"]), folds == nil {
            let stoppedCount = rows.filter { $0["stopped_early"]?.bool == true }.count
            print("early stop (patience \(patience)): \(stoppedCount) of \(rows.count) heads stopped before epoch \(epochs); "
                  + "every head keeps the weights of its lowest-val-loss epoch (\"stopped, kept ep N\": a head early stopping ended)")
        }
        let undertrained = rows.indices.filter(lastEpoch).count
        if undertrained > 0 {
            print("*last: \(undertrained) of \(rows.count) heads had their lowest val loss at the last epoch (\(epochs)): "
                  + "possibly undertrained; try more --epochs or a higher --lr")
        }
        if let n = int(r.config["val_rows"]), n < 50 {
            let tied = rows.indices.filter { top1($0) == top1(best) }.count
            print("warning: only \(n) validation samples (one sample is \(String(format: "%.1f", 100 / Double(max(n, 1)))) pt of val top-1)"
                  + (tied > 1 ? ": \(tied) heads tie at the best val top-1, and val loss alone picks among them" : "")
                  + ". Fix: validate on more samples (extract with a larger --limit, or data with a val split)")
        }
        let m = r.metrics
        if let t1 = m["test_top1"]?.number {
            print((folds != nil ? "best (*), refitted, on test: " : "best (*) on test: ") + SummaryLine.test(top1: t1, top5: m["test_top5"]?.number ?? 0,
                                                          meanPerClass: m["test_mean_per_class"]?.number ?? 0,
                                                          macroF1: m["test_macro_f1"]?.number ?? 0, ece: m["test_ece"]?.number ?? 0,
                                                          classes: r.matrix("confusion")?.count ?? 0))
        }
    }
}
