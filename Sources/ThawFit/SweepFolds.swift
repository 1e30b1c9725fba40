import Foundation
import ThawBundle
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore
import ThawTraining

/// `thaw sweep --folds K`: stratified K-fold cross-validation on the training split. The whole
/// training split (no validation carved out of it) is dealt into K folds (`StratifiedSplitter.folds`);
/// every grid point trains K times, stacked as in a plain sweep, each time validated on the fold it
/// did not see. Points are ranked by mean validation top-1 over the folds (then lower mean validation
/// loss, then lower grid #); the best is refitted on all of the training split — for the epochs it
/// trained, or with `--early-stop` for the mean of its folds' best epochs (nothing is left to stop on) —
/// and tested once. A cache's own validation split plays no part in the choice.
///
/// Not with `--shard` (the choice needs every point's folds) and not resumed by `SweepProgress`.
/// Memory: one fold's copy of the training rows sits beside the tap (reserved in the budget).
enum SweepFolds {
    static func run(_ q: SweepRequest, started: Date, onGroup: (String) -> Void, onNote: (String) -> Void) throws -> SweepOutcome {
        let k = q.folds!
        guard k >= 2 else { throw FitError("--folds must be ≥ 2 (K-fold cross-validation; leave it out to validate on the validation split)") }
        guard q.shard == .whole else {
            throw FitError("--folds chooses among every grid point's fold scores and refits the winner; a shard sees only part of the grid. "
                           + "Fix: drop --shard (or --folds)")
        }
        let reader = try CacheReader(path: q.cache)
        let manifest = reader.manifest
        let all = try q.axes.points(manifest: manifest, path: q.cache)
        let lbfgs = q.axes.cs != nil
        var foldTop1 = [[Double]](repeating: [], count: all.count), foldLoss = foldTop1
        var foldEpochs = [[Int]](repeating: [], count: all.count)   // epochs whose weights each fold's head kept, 1-based
        var firstFold = [ClassificationMetrics?](repeating: nil, count: all.count)
        var foldSizes: [Int] = [], poolRows = 0
        var notes: [String] = []
        var trainSeconds = 0.0, rowsSeen = 0

        func load(_ tap: String) throws -> TapData {
            var options = SweepRun.loadOptions(q, manifest: manifest, tap: tap, points: all.filter { $0.tap == tap })
            options.carveValidation = false
            // A fold copies the training rows (in memory): reserve one more copy of the tap.
            if let t = manifest.taps.first(where: { $0.name == tap }) { options.reservedBytes += manifest.expectedRecordCount * t.elementCount * 4 }
            return try TapData.load(reader: reader, tap: tap, options: options)
        }

        for tapName in all.map(\.tap).uniqued() {
            let data = try load(tapName)
            notes += data.notes.map { "\(tapName): \($0)" }
            if !data.validationLabels.isEmpty {
                notes.append("\(tapName): the cache's validation split (\(data.validationLabels.count) samples) plays no part: "
                             + "--folds validates on held-out folds of the training split")
            }
            var counts = [Int](repeating: 0, count: data.classes)
            for y in data.trainLabels { counts[Int(y)] += 1 }
            let short = counts.indices.filter { counts[$0] > 0 && counts[$0] < k }
            guard short.isEmpty else {
                throw FitError("\(q.cache): --folds \(k) needs at least \(k) training samples of every class, but "
                               + short.prefix(5).map { "\"\(data.classNames[$0])\" has \(counts[$0])" }.joined(separator: ", ")
                               + (short.count > 5 ? " (and \(short.count - 5) more)" : "")
                               + ". Fix: use fewer folds (--folds \(max(2, short.map { counts[$0] }.min()!))) or extract more samples (a larger --limit)")
            }
            let folds = StratifiedSplitter(style: .carve, seed: q.seed).folds(labels: data.trainLabels, classes: data.classes, k: k)
            foldSizes = folds.map(\.count)
            poolRows = data.trainLabels.count
            for (f, heldOut) in folds.enumerated() {
                let fold = data.fold(heldOut: heldOut)
                for pooling in all.filter({ $0.tap == tapName }).map(\.pooling).uniqued() {
                    let here = all.filter { $0.tap == tapName && $0.pooling == pooling }
                    let groups: [[SweepPoint]] = lbfgs ? [here.sorted { $0.c! < $1.c! }]
                        : here.map(\.head).uniqued().map { h in here.filter { $0.head == h } }
                    for members in groups {
                        onGroup("fold \(f + 1)/\(k): \(tapName) \(PoolingName.of(pooling)) "
                                + (lbfgs ? "L-BFGS path over \(members.count) C values" : "\(HeadName.of(members[0].head)): \(members.count) heads stacked"))
                        let group = try SweepGroupTraining.train(q, data: fold, members: members, pooling: pooling)
                        for (j, m) in members.enumerated() {
                            if f == 0 { firstFold[m.index] = group.validation[j] }
                            foldTop1[m.index].append(group.validation[j].top1)
                            foldLoss[m.index].append(group.validation[j].loss)
                            foldEpochs[m.index].append(group.histories[j].weightsEpoch + 1)
                        }
                        trainSeconds += group.seconds
                        rowsSeen += group.rowsSeen
                    }
                }
            }
        }
        let mean = foldTop1.map(Self.mean), sd = foldTop1.map(Self.standardDeviation), meanLoss = foldLoss.map(Self.mean)
        var best = 0
        for i in all.indices.dropFirst() {
            // As `SweepRun.better`, on fold means; a NaN mean (a diverged fold) never wins.
            if mean[i] != mean[best] ? mean[i] > mean[best] || mean[best].isNaN : meanLoss[i] < meanLoss[best] { best = i }
        }
        let winner = all[best]
        // Refit on every training row, once.
        let refitEpochs = q.earlyStop == nil || lbfgs ? q.epochs : max(1, Int((Self.mean(foldEpochs[best].map(Double.init))).rounded()))
        onNote(String(format: "cross-validated %d points × %d folds; refitting grid point %d (mean val top-1 %.2f%% ± %.2f) on all %d training samples",
                      all.count, k, best, 100 * mean[best], 100 * sd[best], poolRows)
               + (q.earlyStop != nil && !lbfgs ? " for \(refitEpochs) epochs (its folds' mean best epoch)" : ""))
        let data = try load(winner.tap)
        let refit = try SweepGroupTraining.train(q, data: data, members: [winner], pooling: winner.pooling,
                                                 epochs: refitEpochs, earlyStop: .some(nil))
        trainSeconds += refit.seconds
        rowsSeen += refit.rowsSeen
        let tested = try refit.test(0, q.misclassified)
        let test = tested?.0
        let runID = RunRecord.newID(kind: .sweep, date: started)

        // The table: fold means as val_top1 / val_loss (what the ranking and `thaw report` read), per-fold figures beside them.
        let rows: [SweepTableRow] = all.indices.map { i in
            // Fold 1's metrics carrying the fold means: only count, top-1 and loss are read from a folds row.
            var v = firstFold[i]!
            v.count = poolRows; v.top1 = mean[i]; v.loss = meanLoss[i]
            return SweepTableRow(point: all[i], validation: v, bestEpoch: max(0, Int(Self.mean(foldEpochs[i].map(Double.init)).rounded()) - 1))
        }
        var table: [JSONValue] = []
        for (i, r) in rows.enumerated() {
            guard case .object(var o) = SweepRun.tableJSON(r) else { continue }
            o["val_top1_sd"] = .number(sd[i])
            o["fold_val_top1"] = .array(foldTop1[i].map { .number($0) })
            o["fold_val_loss"] = .array(foldLoss[i].map { .number($0) })
            o["fold_epochs"] = lbfgs ? .null : .array(foldEpochs[i].map { .number(Double($0)) })
            o["best_epoch"] = .null; o["weights_epoch"] = .null; o["stopped_early"] = .null
            table.append(.object(o))
        }
        var metrics = MetricsJSON.final(test: test, validation: rows[best].validation, classNames: data.classNames, trainSeconds: trainSeconds)
        metrics["val_top1_sd"] = .number(sd[best])
        metrics["table"] = .array(table)
        metrics["best"] = .number(Double(best))
        metrics["best_index"] = .number(Double(best))
        if let p = tested?.1 { metrics["test_predictions"] = .array(p.map { .number(Double($0)) }) }
        if q.misclassified > 0, let m = tested?.2 {
            metrics["misclassified"] = MisclassifiedJSON.json(m, ids: try reader.sampleIDs(m.map(\.index)), classNames: data.classNames)
        }
        var config = SweepRun.baseConfig(q, all: all, best: winner)
        config["folds"] = .number(Double(k))
        config["fold_rows"] = .array(foldSizes.map { .number(Double($0)) })
        config["selection"] = .string("cv_mean_val_top1")
        config["val_rows"] = .number(Double(poolRows))
        config["train_rows"] = .number(Double(poolRows))
        config["refit_epochs"] = .number(Double(refitEpochs))
        if let path = q.exportBest {
            var m = ["val_top1": mean[best]]
            if let test { m["test_top1"] = test.top1 }
            try ModelBundle.writeHead(FitRun.bundleDescription(data: data, pooling: winner.pooling, head: winner.head, logistic: lbfgs,
                                                               run: runID, metrics: m),
                                      head: refit.tensors(0), to: path)
            config["export"] = .string(path)
        }
        var record = RunRecord(id: runID, kind: .sweep, commandLine: q.commandLine, startedAt: started, cache: q.cache,
                               cacheFingerprint: manifest.fingerprint, config: config, metrics: metrics,
                               epochs: try JSONValue.objects(encoding: refit.histories[0].epochs), thawVersion: thawVersion)
        RunContext.fill(&record, started: started, rowsPerSecond: trainSeconds > 0 ? Double(rowsSeen) / trainSeconds : nil)
        return SweepOutcome(record: record, rows: rows, best: best, test: test, notes: notes, progress: nil)
    }

    static func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }

    /// Sample standard deviation (n − 1), 0 for one value.
    static func standardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }
}
