import Foundation
import XCTest
import ThawCore
import ThawFit
import ThawHeads
import ThawRuns
import ThawStore
import ThawTraining

/// `thaw sweep`'s training options (as `thaw fit`'s), per head inside a stack, and `--folds K`.
final class SweepOptionsTests: XCTestCase {
    func table(_ r: RunRecord) -> [[String: JSONValue]] {
        guard case .array(let t)? = r.metrics["table"] else { return [] }
        return t.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
    }

    func testBalancedWeightsMakeEveryClassWeighTheSame() {
        // Class counts 6, 3, 1, 0 of n = 10, 4 classes: w_c = 10 / (4 · count).
        let labels: [Int32] = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2]
        let w = BalancedClassWeights.weights(labels: labels, classes: 4)
        XCTAssertEqual(w, [10 / 24, 10 / 12, 10 / 4, 0])
        // Each present class contributes n / classes in total: the classes weigh alike.
        for (c, count) in [6, 3, 1].enumerated() { XCTAssertEqual(w[c] * Float(count), 2.5, accuracy: 1e-6) }
    }

    /// Early stopping in a stack: every head stops on its own and ends with the weights of its best
    /// epoch, which are exactly the weights of the same stack trained for that many epochs without it.
    func testEachHeadRestoresItsBestEpochAsARunCutThere() throws {
        let cache = try makeCache(SyntheticCache(count: 300, separation: 0.35))
        let data = try TapData.load(path: cache, tap: "pool")
        let heads = [1e-3, 0.3, 3, 30].enumerated().map { HeadHyperparameters(learningRate: Float($1), weightDecay: 1e-4, seed: UInt64($0)) }
        let epochs = 8
        func options(_ epochs: Int, _ earlyStop: Int?) -> TrainingOptions {
            TrainingOptions(epochs: epochs, batchSize: 32, optimizer: .adamwDefault, labelSmoothing: 0.1,
                            classWeights: BalancedClassWeights.weights(labels: data.trainLabels, classes: data.classes),
                            earlyStopping: earlyStop.map { EarlyStopping(metric: .loss, patience: $0) }, dataSeed: 3)
        }
        let stopped = try FitTrainer.train(data: data, shape: .linear, pooling: nil, heads: heads, options: options(epochs, 1))
        let kept = stopped.histories.map(\.weightsEpoch)
        XCTAssertTrue(stopped.histories.contains { $0.stoppedEarly }, "some head should stop early: \(stopped.histories.map(\.epochs.count))")
        XCTAssertTrue(Set(kept).count > 1, "heads should keep different epochs: \(kept)")
        for (k, h) in stopped.histories.enumerated() {
            XCTAssertEqual(h.weightsEpoch, h.bestEpoch, "head \(k) keeps its best epoch")
            XCTAssertEqual(h.epochs.count, h.stoppedEarly ? h.bestEpoch + 2 : epochs, "head \(k) trains patience (1) epochs past its best")
            let cut = try FitTrainer.train(data: data, shape: .linear, pooling: nil, heads: heads, options: options(h.weightsEpoch + 1, nil))
            XCTAssertEqual(stopped.model.state(head: k), cut.model.state(head: k),
                           "head \(k): the weights of epoch \(h.weightsEpoch + 1) differ from a run cut there")
        }
    }

    func testSweepRecordsTheOptionsAndEachHeadsEpochs() throws {
        let cache = try makeCache(SyntheticCache(count: 300, separation: 0.35))
        var q = SweepRequest(cache: cache)
        q.axes.taps = ["pool"]; q.axes.lrs = [1e-3, 30]; q.axes.weightDecays = [0]
        q.epochs = 8; q.batch = 32
        q.earlyStop = 1; q.labelSmoothing = 0.1; q.balancedClassWeights = true
        let out = try SweepRun.run(q)
        let c = out.record.config
        XCTAssertEqual(c["early_stop"], 1)
        XCTAssertEqual(c["label_smoothing"]?.number ?? .nan, 0.1, accuracy: 1e-6)
        XCTAssertEqual(c["class_weights"], "balanced")
        XCTAssertEqual(c["flip"], .bool(false))
        let rows = table(out.record)
        XCTAssertEqual(rows[1]["stopped_early"], .bool(true), "lr 30 diverges and stops: \(rows[1])")
        XCTAssertEqual(rows[1]["weights_epoch"], rows[1]["best_epoch"])
    }

    func testTrainingOptionsChangeTheProgressFingerprintOnlyWhenSet() throws {
        let cache = try makeCache(SyntheticCache(count: 40))
        let reader = try CacheReader(path: cache)
        var q = SweepRequest(cache: cache)
        let points = try q.axes.points(manifest: reader.manifest, path: cache)
        func print(_ q: SweepRequest) -> String {
            SweepProgress.fingerprint(q, manifest: reader.manifest, recordCount: 40, points: points)
        }
        let plain = print(q)
        XCTAssertFalse(plain.contains("smoothing") || plain.contains("early_stop") || plain.contains("flip"), plain)
        var seen: Set<String> = [plain]
        q.labelSmoothing = 0.1; XCTAssertTrue(seen.insert(print(q)).inserted)
        q.balancedClassWeights = true; XCTAssertTrue(seen.insert(print(q)).inserted)
        q.earlyStop = 2; XCTAssertTrue(seen.insert(print(q)).inserted)
        q.flip = true; XCTAssertTrue(seen.insert(print(q)).inserted)
    }

    /// A sweep whose progress file holds finished groups resumes them only under the same options.
    func testResumeWithOtherOptionsTrainsAfresh() throws {
        let cache = try makeCache(SyntheticCache(count: 120))
        let folder = URL(fileURLWithPath: cache + ".progress")
        var q = SweepRequest(cache: cache)
        q.axes.taps = ["pool"]; q.axes.lrs = [1e-2, 1e-1]; q.axes.weightDecays = [0]
        q.epochs = 2; q.batch = 32; q.progressFolder = folder
        func notes(_ q: SweepRequest) throws -> [String] {
            var notes: [String] = []
            _ = try SweepRun.run(q, onNote: { notes.append($0) })   // the progress file is kept (the CLI removes it)
            return notes
        }
        XCTAssertTrue(try notes(q).contains { $0.hasSuffix("(new)") })
        XCTAssertTrue(try notes(q).contains { $0.hasPrefix("resuming: 1 finished group") })
        var other = q
        other.earlyStop = 1
        XCTAssertTrue(try notes(other).contains { $0.hasSuffix("(new)") }, "--early-stop must not reuse groups trained without it")
        other.earlyStop = nil; other.flip = true
        XCTAssertTrue(try notes(other).contains { $0.hasSuffix("(new)") }, "--flip must not reuse groups trained without it")
    }

    func testFoldsRankByMeanAndRefitTheBest() throws {
        let cache = try makeCache(SyntheticCache(count: 200, separation: 0.35))
        var q = SweepRequest(cache: cache)
        q.axes.taps = ["pool"]; q.axes.lrs = [1e-4, 1e-2, 1e-1]; q.axes.weightDecays = [0]
        q.epochs = 3; q.batch = 32; q.folds = 3; q.misclassified = 4
        let out = try SweepRun.run(q)
        let rows = table(out.record)
        XCTAssertEqual(rows.count, 3)
        var means: [Double] = []
        for r in rows {
            guard case .array(let f)? = r["fold_val_top1"] else { return XCTFail("no per-fold figures: \(r)") }
            let folds = f.compactMap(\.number)
            XCTAssertEqual(folds.count, 3)
            let mean = folds.reduce(0, +) / 3
            XCTAssertEqual(r["val_top1"]?.number ?? .nan, mean, accuracy: 1e-12)
            let sd = (folds.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
            XCTAssertEqual(r["val_top1_sd"]?.number ?? .nan, sd, accuracy: 1e-12)
            means.append(mean)
        }
        let best = Int(out.record.metrics["best"]?.number ?? -1)
        XCTAssertEqual(means[best], means.max())
        XCTAssertEqual(out.record.config["folds"], 3)
        // Every training sample (120 of 200: no validation carved) is validated exactly once.
        XCTAssertEqual(out.record.config["fold_rows"], .array([40, 40, 40]))
        XCTAssertNotNil(out.record.metrics["test_top1"]?.number)
        guard case .array(let wrong)? = out.record.metrics["misclassified"] else { return XCTFail("no misclassified list") }
        XCTAssertLessThanOrEqual(wrong.count, 4)
    }

    /// Folds of a tap streamed from LMDB (train in blocks, the held-out fold read by index) give the
    /// in-memory folds' numbers.
    func testStreamedFoldsEqualInMemory() throws {
        let cache = try makeCache(SyntheticCache(count: 300, separation: 0.35))
        var q = SweepRequest(cache: cache)
        q.axes.taps = ["map"]; q.axes.lrs = [1e-3, 3e-2]; q.axes.weightDecays = [0]; q.axes.poolings = [.avg]
        q.epochs = 2; q.batch = 32; q.blockSize = 40; q.folds = 3; q.earlyStop = 1
        q.load = TapLoadOptions(memoryBudget: 1 << 30, fixedCost: 0)
        let memory = try SweepRun.run(q)
        // Room for the heads, the fold copy SweepFolds reserves (the whole tap) and a 41-row block, not for the tap itself.
        let heads = 2 * MemoryBudget.headsBytes(shape: .linear, heads: 2, classes: 4, inputWidth: 16, rawWidth: 96, batch: 32)
        q.load = TapLoadOptions(memoryBudget: heads + 300 * 96 * 4 + TapData.scanBytes(taps: SyntheticCache.taps) + 41 * 384, fixedCost: 0)
        let streamed = try SweepRun.run(q)
        XCTAssertTrue(streamed.notes.contains { $0.contains("streaming") }, "\(streamed.notes)")
        XCTAssertEqual(table(memory.record).map { $0["fold_val_top1"] }, table(streamed.record).map { $0["fold_val_top1"] })
        for (a, b) in zip(memory.rows, streamed.rows) {
            XCTAssertEqual(a.validation.loss, b.validation.loss, accuracy: 1e-5, "row \(a.point.index)")
        }
        XCTAssertEqual(memory.best, streamed.best)
        XCTAssertEqual(memory.test?.top1, streamed.test?.top1)
    }

    func testFoldsRefuseAClassWithFewerSamplesThanFolds() throws {
        // 20 samples, 4 classes: 12 train, 3 per class.
        let cache = try makeCache(SyntheticCache(count: 20))
        var q = SweepRequest(cache: cache)
        q.axes.lrs = [1e-2]; q.axes.weightDecays = [0]; q.folds = 4
        let msg = fitError { _ = try SweepRun.run(q) }
        XCTAssertTrue(msg.contains("--folds 4 needs at least 4 training samples of every class") && msg.contains("has 3")
                      && msg.contains("Fix: use fewer folds (--folds 3)"), msg)
        q.shard = ShardSpec(parsing: "0/2")!; q.folds = 2
        XCTAssertTrue(fitError { _ = try SweepRun.run(q) }.contains("drop --shard"))
    }

    func testFoldCopiesTheRightRows() throws {
        let cache = try makeCache(SyntheticCache(count: 100))
        let data = try TapData.load(path: cache, tap: "pool")
        let heldOut = [0, 3, 7, 20]
        let fold = data.fold(heldOut: heldOut)
        XCTAssertEqual(fold.validationIndices, heldOut.map { data.trainIndices[$0] })
        XCTAssertEqual(fold.trainIndices.count + heldOut.count, data.trainIndices.count)
        XCTAssertTrue(Set(fold.trainIndices).isDisjoint(with: fold.validationIndices))
        XCTAssertFalse(fold.hasTest)
        let train = try data.trainingSet(), width = data.rowWidth
        XCTAssertEqual(fold.validation.features, heldOut.flatMap { Array(train.features[($0 * width)..<(($0 + 1) * width)]) })
        let kept = try fold.trainingSet()
        let rest = data.trainIndices.indices.filter { !heldOut.contains($0) }
        XCTAssertEqual(kept.features, rest.flatMap { Array(train.features[($0 * width)..<(($0 + 1) * width)]) })
        XCTAssertEqual(kept.labels, rest.map { data.trainLabels[$0] })
    }
}
