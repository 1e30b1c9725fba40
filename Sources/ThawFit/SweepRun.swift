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
    public init(cache: String) { self.cache = cache }
}

/// One row of the sweep table.
public struct SweepTableRow: Sendable {
    public var point: SweepPoint
    public var validation: ClassificationMetrics
    public var bestEpoch: Int
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
        let manifest = try CacheReader(path: q.cache).manifest
        let all = try q.axes.points(manifest: manifest, path: q.cache)
        let slice = q.shard.range(sampleCount: all.count)   // contiguous, so neighbours still train stacked
        let mine = all.filter { slice.contains($0.index) }
        guard !mine.isEmpty else { throw FitError("shard \(q.shard) of a \(all.count)-point grid is empty; use fewer shards") }
        let optimizer: Optimizer = q.solver == .sgd ? .sgdDefault : .adamwDefault
        let options = TrainingOptions(epochs: q.epochs, batchSize: q.batch, optimizer: optimizer, dataSeed: q.seed)
        var rows: [SweepTableRow] = []
        var histories: [Int: [[String: JSONValue]]] = [:]   // grid index → epochs
        var bestRow = -1
        var bestTest: ClassificationMetrics? = nil
        let runID = RunRecord.newID(kind: .sweep, date: started)
        // The current best group's winner as trained in this run (groups resumed from progress keep no weights).
        var bestTrained: (index: Int, bundle: BundleDescription, head: [SafetensorsWriter.Tensor])?
        var trainedNow: (index: Int, bundle: BundleDescription, head: [SafetensorsWriter.Tensor])?
        var bestTestPredictions: [Int32]? = nil
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
                rows.append(SweepTableRow(point: all[r.index], validation: r.validation, bestEpoch: r.bestEpoch))
                histories[r.index] = g.histories[String(r.index)] ?? []
            }
            trainSeconds += g.trainSeconds
            rowsSeen += g.rowsSeen
            let b = rows.lastIndex { $0.point.index == g.best }!
            if bestRow < 0 || better(rows[b], rows[bestRow]) {
                bestRow = b; bestTest = g.test; bestTestPredictions = g.testPredictions
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
            var load = q.load
            load.seed = q.seed
            if let t = manifest.taps.first(where: { $0.name == tapName }) {
                // One stack trains at a time beside the best one so far: reserve twice the largest stack.
                let points = mine.filter { $0.tap == tapName }
                func width(_ h: HeadShape) -> Int { h.hidden.reduce(0, +) }
                let widest: HeadShape = points.map(\.head).max { width($0) < width($1) } ?? .linear
                let raw = t.elementCount, channels = t.shape.last ?? raw
                load.reservedBytes = 2 * MemoryBudget.headsBytes(shape: widest, heads: points.count, classes: manifest.labelNames.count,
                                                                 inputWidth: t.shape.count > 1 ? 2 * channels : raw,
                                                                 rawWidth: raw, batch: q.batch)
            }
            let data = try TapData.load(path: q.cache, tap: tapName, options: load)
            notes += data.notes.map { "\(tapName): \($0)" }
            classNames = data.classNames
            for pooling in mine.filter({ $0.tap == tapName }).map(\.pooling).uniqued() {
                let here = mine.filter { $0.tap == tapName && $0.pooling == pooling }
                if q.axes.cs != nil {
                    // L-BFGS takes full-batch gradients: it trains from memory.
                    let train = try data.trainingSet()
                    let fixed = pooling.map { !$0.isLearnable } ?? false
                    let tr = fixed ? train.pooled(pooling!) : train
                    let va = fixed ? data.validation.pooled(pooling!) : data.validation
                    let te = fixed ? data.test?.pooled(pooling!) : data.test
                    let members = here.sorted { $0.c! < $1.c! }
                    if let done = progress?.result(members: members) {
                        onGroup("\(tapName) \(PoolingName.of(pooling)) L-BFGS path over \(members.count) C values: done earlier")
                        adopt(done)
                        continue
                    }
                    onGroup("\(tapName) \(PoolingName.of(pooling)) L-BFGS path over \(members.count) C values")
                    guard !tr.isMap else { throw FitError("L-BFGS needs a fixed pooling (avg, max, avgmax), not gem") }
                    let t0 = Date()
                    let path = try LogisticRegression.path(data: tr, classes: data.classes, cs: members.map { $0.c! })
                    let vals = path.map { $0.evaluate(va) }
                    let k = groupBest(vals, members)
                    let test = te.map { path[k].evaluate($0) }
                    trained(data, members[k], head: HeadExport.tensors(path[k]), validation: vals[k], test: test)
                    let g = SweepGroupResult(
                        members: members.map(\.index),
                        rows: zip(members, vals).map { .init(index: $0.index, validation: $1, bestEpoch: 0) },
                        histories: Dictionary(uniqueKeysWithValues: members.map { (String($0.index), []) }),
                        best: members[k].index, test: test,
                        trainSeconds: Date().timeIntervalSince(t0), rowsSeen: tr.count * members.count,
                        testPredictions: te.map { FitRun.argmaxRows(path[k].logits($0), classes: data.classes) })
                    try progress?.record(g)
                    adopt(g)
                    continue
                }
                for head in here.map(\.head).uniqued() {
                    let members = here.filter { $0.head == head }
                    if let done = progress?.result(members: members) {
                        onGroup("\(tapName) \(PoolingName.of(pooling)) \(HeadName.of(head)): \(members.count) heads done earlier")
                        adopt(done)
                        continue
                    }
                    onGroup("\(tapName) \(PoolingName.of(pooling)) \(HeadName.of(head)): \(members.count) heads stacked")
                    let t0 = Date()
                    // Every head of the stack reads the same block: one pass over the cache per epoch.
                    let stack = try FitTrainer.train(
                        data: data, shape: head, pooling: pooling,
                        heads: members.map { HeadHyperparameters(learningRate: $0.lr!, weightDecay: $0.weightDecay!, seed: q.seed &+ UInt64($0.index)) },
                        options: options, blockSize: q.blockSize)
                    let seconds = Date().timeIntervalSince(t0)
                    let val = try stack.evaluate(data, on: .validation)
                    let kBest = groupBest(val, members)
                    let test = data.hasTest ? try stack.evaluate(data, on: .test, predictionsOf: kBest) : nil
                    trained(data, members[kBest], head: HeadExport.tensors(stack.model, head: kBest), validation: val[kBest],
                            test: test?.0[kBest])
                    var g = SweepGroupResult(
                        members: members.map(\.index), rows: [], histories: [:], best: members[kBest].index,
                        test: test?.0[kBest],
                        trainSeconds: seconds, rowsSeen: stack.rowsSeen, testPredictions: test?.1)
                    for (k, m) in members.enumerated() {
                        let h = stack.histories[k]
                        // The epoch of lowest validation loss (the head keeps its last epoch's weights): the last
                        // epoch means the loss was still falling.
                        g.rows.append(.init(index: m.index, validation: val[k], bestEpoch: h.bestEpoch))
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
        let a = q.axes
        var config: [String: JSONValue] = [
            "taps": .array(all.map(\.tap).uniqued().map { .string($0) }),
            "tap": .string(rows[best].point.tap), "pooling": .string(PoolingName.of(rows[best].point.pooling)),
            "head": .string(HeadName.of(rows[best].point.head)),
            "poolings": .array(all.map { PoolingName.of($0.pooling) }.uniqued().map { .string($0) }),
            "heads": .array(a.heads.map { .string(HeadName.of($0)) }),
            "optimizer": .string(a.cs != nil ? "lbfgs" : q.solver.rawValue),
            "epochs": .number(Double(q.epochs)), "batch": .number(Double(q.batch)), "seed": .number(Double(q.seed)),
            "shard": .string(q.shard.description), "grid_size": .number(Double(all.count)),
            "memory_budget": .number(Double(q.load.memoryBudget)), "selection": .string("val_top1"),
            "val_rows": .number(Double(rows[best].validation.count)),
        ]
        if let cs = a.cs { config["cs"] = .array(cs.map { .number($0) }) } else {
            config["lrs"] = .array(a.lrs.map { .number(Double($0)) })
            config["weight_decays"] = .array(a.weightDecays.map { .number(Double($0)) })
        }
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
