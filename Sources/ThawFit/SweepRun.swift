import Foundation
import ThawBundle
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore
import ThawTraining
import ThawWeights

/// Everything `thaw sweep` asks for.
public struct SweepRequest: Sendable {
    public var cache: String
    public var axes = SweepAxes()
    public var solver: FitRequest.Solver = .adamw
    public var epochs = 10
    public var batch = 256
    public var seed: UInt64 = 0
    public var shard = ShardSpec.whole
    public var load = TapLoadOptions()
    /// Sample-index block of the epoch plans (see `FitTrainer.train`).
    public var blockSize = 1024
    public var commandLine: [String] = []
    /// Write the validation winner, as trained in this run, as a model bundle here.
    public var exportBest: String?
    /// Where finished groups are recorded so a re-run resumes (`SweepProgress`); nil: no record.
    public var progressFolder: URL?
    /// Training options every head of the grid shares (as `thaw fit`'s): label smoothing in [0, 1),
    /// balanced class weights, early stopping on validation loss with this patience (each head stops
    /// on its own and keeps its best epoch's weights), horizontal flips of map rows.
    public var labelSmoothing: Float = 0
    public var balancedClassWeights = false
    public var earlyStop: Int?
    public var flip = false
    /// Record the chosen head's N most confident test mistakes (`--misclassified N`).
    public var misclassified = 0
    /// K-fold cross-validation on the training split (`SweepFolds`); nil: validate on the validation split.
    public var folds: Int?
    public init(cache: String) { self.cache = cache }
}

/// One row of the sweep table.
public struct SweepTableRow: Sendable {
    public var point: SweepPoint
    public var validation: ClassificationMetrics
    public var bestEpoch: Int
    /// The epoch whose weights the head kept (its best with early stopping, else its last) and whether
    /// early stopping ended it before the last epoch (nil: not recorded, e.g. an L-BFGS point).
    public var weightsEpoch: Int? = nil
    public var stoppedEarly: Bool? = nil
}

/// What `thaw sweep` produced.
public struct SweepOutcome {
    public var record: RunRecord
    /// Rows of this run (this shard), in grid order; `best` indexes it.
    public var rows: [SweepTableRow]
    public var best: Int
    public var test: ClassificationMetrics?
    public var notes: [String]
    /// The progress record this run resumed from and extended (remove it once the run record is saved).
    public var progress: SweepProgress?
}

/// `thaw sweep`: every point of the grid (or of one shard of it). Points that read the same tap and
/// pooling with the same head shape train stacked in one pass (`FitTrainer.train`, one GEMM per
/// group of heads, a group per core); L-BFGS points run as one warm-started path over C. Head k of the grid is seeded
/// with `seed + k`, so a shard trains exactly the heads the whole sweep would.
public enum SweepRun {
    public static func run(_ q: SweepRequest, onGroup: (String) -> Void = { _ in }, onNote: (String) -> Void = { _ in }) throws
        -> SweepOutcome {
        let started = Date()
        for lr in q.axes.lrs { try HyperparameterCheck.positive(lr, flag: "--lr") }
        for wd in q.axes.weightDecays { try HyperparameterCheck.nonNegative(wd, flag: "--weight-decay") }
        for c in q.axes.cs ?? [] { try HyperparameterCheck.positive(c, flag: "--c") }
        try checkTrainingOptions(q)
        if q.folds != nil { return try SweepFolds.run(q, started: started, onGroup: onGroup, onNote: onNote) }
        let manifest = try CacheReader(path: q.cache).manifest
        let all = try q.axes.points(manifest: manifest, path: q.cache)
        let slice = q.shard.range(sampleCount: all.count)   // contiguous, so neighbours still train stacked
        let mine = all.filter { slice.contains($0.index) }
        guard !mine.isEmpty else { throw FitError("shard \(q.shard) of a \(all.count)-point grid is empty; use fewer shards") }
        var rows: [SweepTableRow] = []
        var histories: [Int: [[String: JSONValue]]] = [:]   // grid index → epochs
        var bestRow = -1
        var bestTest: ClassificationMetrics? = nil
        let runID = RunRecord.newID(kind: .sweep, date: started)
        // The current best group's winner as trained in this run (groups resumed from progress keep no weights).
        var bestTrained: (index: Int, bundle: BundleDescription, head: [SafetensorsWriter.Tensor])?
        var trainedNow: (index: Int, bundle: BundleDescription, head: [SafetensorsWriter.Tensor])?
        var bestTestPredictions: [Int32]? = nil
        var bestTestMistakes: [Mistake]? = nil
        var notes: [String] = []
        var trainSeconds = 0.0, rowsSeen = 0
        var classNames: [String] = []
        func better(_ a: SweepTableRow, _ b: SweepTableRow) -> Bool { SweepRun.better(a.validation, a.point.index, b.validation, b.point.index) }
        let progress = try q.progressFolder.map { folder in
            try SweepProgress(folder: folder, fingerprint: SweepProgress.fingerprint(
                q, manifest: manifest, recordCount: try CacheReader(path: q.cache).recordCount(), points: all))
        }
        if let p = progress {
            onNote(p.finished.isEmpty ? "progress → \(p.url.path) (new)"
                   : "resuming: \(p.finished.count) finished group(s) in \(p.url.path) are not trained again")
        }
        // Takes in a group's rows; the overall best is the best of the groups' bests.
        func adopt(_ g: SweepGroupResult) {
            for r in g.rows {
                rows.append(SweepTableRow(point: all[r.index], validation: r.validation, bestEpoch: r.bestEpoch,
                                          weightsEpoch: r.weightsEpoch, stoppedEarly: r.stoppedEarly))
                histories[r.index] = g.histories[String(r.index)] ?? []
            }
            trainSeconds += g.trainSeconds
            rowsSeen += g.rowsSeen
            let b = rows.lastIndex { $0.point.index == g.best }!
            if bestRow < 0 || better(rows[b], rows[bestRow]) {
                bestRow = b; bestTest = g.test; bestTestPredictions = g.testPredictions; bestTestMistakes = g.testMistakes
                bestTrained = trainedNow?.index == g.best ? trainedNow : nil
            }
            trainedNow = nil
        }
        func trained(_ data: TapData, _ point: SweepPoint, head: [SafetensorsWriter.Tensor], validation: ClassificationMetrics,
                     test: ClassificationMetrics?) {
            var metrics = ["val_top1": validation.top1]
            if let test { metrics["test_top1"] = test.top1 }
            trainedNow = (point.index, FitRun.bundleDescription(data: data, pooling: point.pooling, head: point.head, logistic: point.c != nil,
                                                                run: runID, metrics: metrics), head)
        }
        for tapName in mine.map(\.tap).uniqued() {
            let load = loadOptions(q, manifest: manifest, tap: tapName, points: mine.filter { $0.tap == tapName })
            let data = try TapData.load(path: q.cache, tap: tapName, options: load)
            notes += data.notes.map { "\(tapName): \($0)" }
            classNames = data.classNames
            for pooling in mine.filter({ $0.tap == tapName }).map(\.pooling).uniqued() {
                let here = mine.filter { $0.tap == tapName && $0.pooling == pooling }
                // One group per head shape (stacked), or one L-BFGS path over every C.
                let groups: [[SweepPoint]] = q.axes.cs != nil ? [here.sorted { $0.c! < $1.c! }]
                    : here.map(\.head).uniqued().map { h in here.filter { $0.head == h } }
                for members in groups {
                    let what = q.axes.cs != nil ? "\(tapName) \(PoolingName.of(pooling)) L-BFGS path over \(members.count) C values"
                        : "\(tapName) \(PoolingName.of(pooling)) \(HeadName.of(members[0].head)): \(members.count) heads"
                    if let done = progress?.result(members: members) {
                        onGroup(what + (q.axes.cs != nil ? ": done earlier" : " done earlier"))
                        adopt(done)
                        continue
                    }
                    onGroup(what + (q.axes.cs != nil ? "" : " stacked"))
                    let group = try SweepGroupTraining.train(q, data: data, members: members, pooling: pooling)
                    let kBest = groupBest(group.validation, members)
                    let test = try group.test(kBest, q.misclassified)
                    trained(data, members[kBest], head: group.tensors(kBest), validation: group.validation[kBest], test: test?.0)
                    var g = SweepGroupResult(
                        members: members.map(\.index), rows: [], histories: [:], best: members[kBest].index, test: test?.0,
                        trainSeconds: group.seconds, rowsSeen: group.rowsSeen, testPredictions: test?.1,
                        testMistakes: q.misclassified > 0 ? test?.2 : nil)
                    let lbfgs = q.axes.cs != nil
                    for (k, m) in members.enumerated() {
                        let h = group.histories[k]
                        // The epoch of lowest validation loss; without early stopping the head keeps its last
                        // epoch's weights, and a best at the last epoch means the loss was still falling.
                        g.rows.append(.init(index: m.index, validation: group.validation[k], bestEpoch: h.bestEpoch,
                                            weightsEpoch: lbfgs ? nil : h.weightsEpoch, stoppedEarly: lbfgs ? nil : h.stoppedEarly))
                        g.histories[String(m.index)] = try JSONValue.objects(encoding: h.epochs)
                    }
                    try progress?.record(g)
                    adopt(g)
                }
            }
        }
        // Rows in grid order. Each group evaluated its own best on test (so a resumed sweep needs no
        // retraining); only the overall best — chosen on validation alone — is reported.
        let bestIndex = rows[bestRow].point.index
        rows.sort { $0.point.index < $1.point.index }
        let best = rows.firstIndex { $0.point.index == bestIndex }!
        let test = bestTest
        var metrics = MetricsJSON.final(test: test, validation: rows[best].validation, classNames: classNames,
                                        trainSeconds: trainSeconds)
        metrics["table"] = .array(rows.map(tableJSON))
        metrics["best"] = .number(Double(best))
        metrics["best_index"] = .number(Double(bestIndex))
        if let p = bestTestPredictions { metrics["test_predictions"] = .array(p.map { .number(Double($0)) }) }
        if q.misclassified > 0, let m = bestTestMistakes {
            let shown = Array(m.prefix(q.misclassified))
            metrics["misclassified"] = MisclassifiedJSON.json(shown, ids: try CacheReader(path: q.cache).sampleIDs(shown.map(\.index)),
                                                              classNames: classNames)
        }
        var config = baseConfig(q, all: all, best: rows[best].point)
        config["val_rows"] = .number(Double(rows[best].validation.count))
        if let path = q.exportBest {
            guard let winner = bestTrained, winner.index == bestIndex else {
                throw FitError("\(path): the validation winner (grid point \(bestIndex)) was trained by an earlier, interrupted run of this sweep, "
                               + "which keeps no weights. Fix: delete the sweep's progress file (see the note above) and run the sweep again with --export-best")
            }
            try ModelBundle.writeHead(winner.bundle, head: winner.head, to: path)
            config["export"] = .string(path)
        }
        var record = RunRecord(id: runID, kind: .sweep, commandLine: q.commandLine,
                               startedAt: started, cache: q.cache, cacheFingerprint: manifest.fingerprint, config: config,
                               metrics: metrics, epochs: histories[bestIndex] ?? [], thawVersion: thawVersion)
        RunContext.fill(&record, started: started, rowsPerSecond: trainSeconds > 0 ? Double(rowsSeen) / trainSeconds : nil)
        return SweepOutcome(record: record, rows: rows, best: best, test: test, notes: notes, progress: progress)
    }

    /// How a sweep loads `tap`: the request's options, seeded, with room reserved for the heads.
    static func loadOptions(_ q: SweepRequest, manifest: Manifest, tap tapName: String, points: [SweepPoint]) -> TapLoadOptions {
        var load = q.load
        load.seed = q.seed
        if let t = manifest.taps.first(where: { $0.name == tapName }) {
            // One stack trains at a time beside the best one so far: reserve twice the largest stack.
            func width(_ h: HeadShape) -> Int { h.hidden.reduce(0, +) }
            let widest: HeadShape = points.map(\.head).max { width($0) < width($1) } ?? .linear
            let raw = t.elementCount, channels = t.shape.last ?? raw
            load.reservedBytes = 2 * MemoryBudget.headsBytes(shape: widest, heads: points.count, classes: manifest.labelNames.count,
                                                             inputWidth: t.shape.count > 1 ? 2 * channels : raw,
                                                             rawWidth: raw, batch: q.batch)
        }
        return load
    }

    /// Config keys every sweep record holds: the grid, the loop settings and the training options.
    static func baseConfig(_ q: SweepRequest, all: [SweepPoint], best: SweepPoint) -> [String: JSONValue] {
        let a = q.axes
        var config: [String: JSONValue] = [
            "taps": .array(all.map(\.tap).uniqued().map { .string($0) }),
            "tap": .string(best.tap), "pooling": .string(PoolingName.of(best.pooling)), "head": .string(HeadName.of(best.head)),
            "poolings": .array(all.map { PoolingName.of($0.pooling) }.uniqued().map { .string($0) }),
            "heads": .array(a.heads.map { .string(HeadName.of($0)) }),
            "optimizer": .string(a.cs != nil ? "lbfgs" : q.solver.rawValue),
            "epochs": .number(Double(q.epochs)), "batch": .number(Double(q.batch)), "seed": .number(Double(q.seed)),
            "shard": .string(q.shard.description), "grid_size": .number(Double(all.count)),
            "memory_budget": .number(Double(q.load.memoryBudget)), "selection": .string("val_top1"),
            "label_smoothing": .number(Double(q.labelSmoothing)),
            "class_weights": .string(q.balancedClassWeights ? "balanced" : "none"),
            "early_stop": q.earlyStop.map { .number(Double($0)) } ?? .null, "flip": .bool(q.flip),
        ]
        if let cs = a.cs { config["cs"] = .array(cs.map { .number($0) }) } else {
            config["lrs"] = .array(a.lrs.map { .number(Double($0)) })
            config["weight_decays"] = .array(a.weightDecays.map { .number(Double($0)) })
        }
        return config
    }

    /// Refuses training options the L-BFGS path has no use for, and bad values (the CLI checks them too).
    static func checkTrainingOptions(_ q: SweepRequest) throws {
        guard q.labelSmoothing >= 0 && q.labelSmoothing < 1 else { throw FitError("--label-smoothing must be in [0, 1)") }
        if let e = q.earlyStop, e < 1 { throw FitError("--early-stop must be ≥ 1") }
        guard q.misclassified >= 0 else { throw FitError("--misclassified must be ≥ 0") }
        if q.axes.cs != nil {
            let unused = [q.labelSmoothing != 0 ? "--label-smoothing" : nil, q.earlyStop != nil ? "--early-stop" : nil,
                          q.flip ? "--flip" : nil].compactMap { $0 }
            guard unused.isEmpty else {
                throw FitError("\(unused.joined(separator: ", ")) apply to gradient-descent heads; the L-BFGS path over C "
                               + "(--c, --c-grid) fits to convergence without them. Fix: drop \(unused.joined(separator: " and ")) "
                               + "or sweep --lr instead of C (--class-weights balanced works with both)")
            }
        }
    }

    /// Position in `members` of the group's best by `better`.
    static func groupBest(_ val: [ClassificationMetrics], _ members: [SweepPoint]) -> Int {
        var k = 0
        for j in members.indices.dropFirst() where better(val[j], members[j].index, val[k], members[k].index) { k = j }
        return k
    }

    /// The selection rule: higher validation top-1, then lower validation loss, then the earlier grid point.
    public static func better(_ a: ClassificationMetrics, _ ai: Int, _ b: ClassificationMetrics, _ bi: Int) -> Bool {
        if a.top1 != b.top1 { return a.top1 > b.top1 }
        if a.loss != b.loss { return a.loss < b.loss }
        return ai < bi
    }

    /// A table row in the run-record conventions.
    static func tableJSON(_ r: SweepTableRow) -> JSONValue {
        let p = r.point
        var o: [String: JSONValue] = [
            "index": .number(Double(p.index)), "tap": .string(p.tap), "pooling": .string(PoolingName.of(p.pooling)),
            "head": .string(HeadName.of(p.head)), "val_top1": .number(r.validation.top1),
            "val_loss": .number(r.validation.loss), "best_epoch": .number(Double(r.bestEpoch)),
            "lr": p.lr.map { .number(Double($0)) } ?? .null,
            "weights_epoch": r.weightsEpoch.map { .number(Double($0)) } ?? .null,
            "stopped_early": r.stoppedEarly.map { .bool($0) } ?? .null,
            "weight_decay": p.weightDecay.map { .number(Double($0)) } ?? .null,
        ]
        if let c = p.c { o["c"] = .number(c) }
        return .object(o)
    }
}

extension Sequence where Element: Equatable {
    /// Distinct elements in first-seen order.
    func uniqued() -> [Element] {
        var out: [Element] = []
        for e in self where !out.contains(e) { out.append(e) }
        return out
    }
}
