import Foundation
import ThawHeads

/// One epoch of one head, as printed and recorded.
public struct FitEpoch: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var valLoss: Double
    public var valTop1: Double
    /// Rate at the epoch's last step.
    public var lr: Float
    public var seconds: Double
}

/// What a head went through.
public struct FitHistory: Codable, Sendable, Equatable {
    public var epochs: [FitEpoch]
    /// 0-based epoch whose weights the head ends with.
    public var bestEpoch: Int
    public var stoppedEarly: Bool
}

/// Heads trained on a `TapData`, ready to evaluate.
public struct FitResult {
    public var model: StackedHeads
    /// The pooling the heads were trained with (nil for vector taps).
    public var pooling: Pooling?
    public var histories: [FitHistory]
    public var trainSeconds: Double
    /// Training rows seen (rows × epochs run).
    public var rowsSeen: Int
    /// Sample-index block of the epoch plans actually used.
    public var blockSize: Int

    /// Metrics of every head on `data` (raw tap rows, pooled here as in training).
    public func evaluate(_ data: FeatureSet) throws -> [ClassificationMetrics] {
        try data.validate(classes: model.classes)
        return HeadTrainer.evaluate(model: model, data: try FitTrainer.modelInput(data, pooling: pooling))
    }

    /// Metrics of every head on a split of `data`, in memory or streamed (see `TapData.evaluate`).
    public func evaluate(_ data: TapData, on split: EvaluationSplit, batchSize: Int = 1024) throws -> [ClassificationMetrics] {
        try data.evaluate(model, pooling: pooling, on: split, batchSize: batchSize)
    }

    /// Metrics of every head on a split, and head `k`'s predicted class per row (argmax of its logits,
    /// first index on ties): what a bundle of head `k` must reproduce sample by sample.
    public func evaluate(_ data: TapData, on split: EvaluationSplit, predictionsOf k: Int,
                         batchSize: Int = 1024) throws -> ([ClassificationMetrics], [Int32]) {
        let classes = model.classes, ld = model.heads * classes
        var predictions = [Int32](repeating: -1, count: data.split(split).labels.count)
        let metrics = try data.evaluate(model, pooling: pooling, on: split, batchSize: batchSize) { logits, start, rows in
            for r in 0..<rows {
                let row = logits + r * ld + k * classes
                var best = 0
                for j in 1..<classes where row[j] > row[best] { best = j }
                predictions[start + r] = Int32(best)
            }
        }
        return (metrics, predictions)
    }
}

/// Trains stacked heads on a tap, visiting rows in `EpochPlan` order; the rows come from memory or
/// straight from LMDB (see `TapData`), with the same batches either way.
public enum FitTrainer {
    /// Trains `heads.count` heads of one shape. `pooling` is required for maps, nil for vectors.
    /// `flip` enables horizontal flips of map rows; `blockSize` is the sample-index block of the epoch plan
    /// (lowered to `data.maxBlockRows` when streamed blocks must be smaller; `FitResult.blockSize` says which).
    /// Validation is evaluated after every epoch in chunks, streamed when the data is. `headGroups`: see
    /// `HeadTrainer.train` (one group of heads per core by default).
    public static func train(data: TapData, shape: HeadShape, pooling: Pooling?, heads: [HeadHyperparameters],
                             options: TrainingOptions, flip: Bool = false, blockSize: Int = 1024,
                             headGroups: Int? = nil,
                             onEpoch: (FitEpoch) -> Void = { _ in }) throws -> FitResult {
        precondition(!heads.isEmpty, "FitTrainer.train: need at least one head")
        switch (data.isMap, pooling) {
        case (true, nil): throw FitError("\(data.path): tap \(data.tap.name) holds maps \(data.rowShape); choose --pooling avg, max, gem or avgmax")
        case (false, .some(let p)): throw FitError("\(data.path): tap \(data.tap.name) holds vectors; pooling \(PoolingName.of(p)) needs a map tap. Fix: drop --pooling")
        default: break
        }
        let classes = data.classes
        if let w = options.classWeights, w.count != classes {
            throw FitError("class weights: \(w.count) given for \(classes) classes")
        }
        let gem: (spatial: Int, channels: Int, p: Float)?
        if case .gem(let p0)? = pooling { gem = (data.rowShape[0] * data.rowShape[1], data.rowShape[2], p0) } else { gem = nil }
        let fixedPooling = pooling.flatMap { $0.isLearnable ? nil : $0 }
        let rawWidth = data.rowWidth
        let inWidth = gem?.channels ?? (fixedPooling?.outputWidth(channels: data.rowShape.last!) ?? rawWidth)
        let k = heads.count
        let n = data.trainIndices.count
        let bmax = min(options.batchSize, n)
        let stack = HeadGroups(shape: shape, seeds: heads.map(\.seed), dropoutSeeds: heads.map(\.dropoutSeed),
                               inputWidth: inWidth, classes: classes, gem: gem, capacity: bmax, groupCount: headGroups)
        let raw = FloatBuffer(count: bmax * rawWidth)               // [B, rowWidth] gathered rows
        let pooled = FloatBuffer(count: fixedPooling == nil ? 0 : bmax * inWidth)  // [B, width] after fixed pooling
        let xb = fixedPooling == nil ? raw : pooled                  // what the model reads
        var yb = [Int32](repeating: 0, count: bmax)                  // [B]
        var losses = [Double](repeating: 0, count: k)
        var rates = [(Float, Float)?](repeating: nil, count: k)
        let stepsPerEpoch = (n + options.batchSize - 1) / options.batchSize
        let totalSteps = stepsPerEpoch * options.epochs
        let (h, w, c) = data.isMap ? (data.rowShape[0], data.rowShape[1], data.rowShape[2]) : (1, 1, rawWidth)
        var histories = [FitHistory](repeating: FitHistory(epochs: [], bestEpoch: 0, stoppedEarly: false), count: k)
        var stopped = [Bool](repeating: false, count: k)
        var bestScore = [Double](repeating: .infinity, count: k)
        var sinceBest = [Int](repeating: 0, count: k)
        var bestState = [[String: [Float]]?](repeating: nil, count: k)
        let blockSize = min(blockSize, data.maxBlockRows)
        var step = 0, rowsSeen = 0
        let started = Date()
        for epoch in 0..<options.epochs {
            let epochStart = Date()
            let plan = EpochPlan(trainIndices: data.trainIndices, indexRange: data.manifest.indexRange,
                                 blockSize: blockSize, seed: options.dataSeed, epoch: epoch)
            var epochLoss = [Double](repeating: 0, count: k)
            var lastRate = [Float](repeating: 0, count: k)
            var filled = 0
            var remaining = n
            func runBatch() {
                let b = filled
                if let fp = fixedPooling {
                    fp.pool(maps: raw.pointer, count: b, spatial: h * w, channels: c, out: pooled.pointer)
                }
                step += 1
                for j in 0..<k {
                    if stopped[j] { rates[j] = nil; continue }
                    let lr = options.schedule.rate(base: heads[j].learningRate, step: step - 1, totalSteps: totalSteps)
                    lastRate[j] = lr
                    rates[j] = (lr, heads[j].weightDecay)
                }
                stack.step(x: xb.pointer, labels: yb, batch: b, options: options, rates: rates, step: step, losses: &losses)
                for j in 0..<k { epochLoss[j] += losses[j] * Double(b) }
                remaining -= b
                filled = 0
            }
            for block in plan.blocks {
                try data.withTrainingRows(block, view: data.view(forEpoch: epoch)) { rows in
                    for p in block.order {
                        let src = rows + (p - block.positions.lowerBound) * rawWidth
                        let dst = raw.pointer + filled * rawWidth
                        if flip && data.isMap && HorizontalFlip.flips(seed: options.dataSeed, epoch: epoch, index: data.trainIndices[p]) {
                            HorizontalFlip.apply(src, dst, h: h, w: w, c: c)
                        } else {
                            dst.update(from: src, count: rawWidth)
                        }
                        yb[filled] = data.trainLabels[p]
                        filled += 1
                        if filled == min(options.batchSize, remaining) { runBatch() }
                    }
                }
            }
            precondition(remaining == 0 && filled == 0, "FitTrainer: epoch plan lost rows")
            rowsSeen += n
            let val = try data.evaluate(stack.synchronizedModel(), pooling: pooling, on: .validation, batchSize: options.evaluationBatchSize)
            let seconds = Date().timeIntervalSince(epochStart)
            for j in 0..<k where !stopped[j] {
                let e = FitEpoch(epoch: epoch, trainLoss: epochLoss[j] / Double(n), valLoss: val[j].loss,
                                 valTop1: val[j].top1, lr: lastRate[j], seconds: seconds)
                histories[j].epochs.append(e)
                histories[j].bestEpoch = epoch
                if k == 1 { onEpoch(e) }
                guard let es = options.earlyStopping else { continue }
                let score = es.metric == .loss ? val[j].loss : -val[j].top1
                if score < bestScore[j] {
                    bestScore[j] = score; sinceBest[j] = 0; bestState[j] = stack.state(head: j)
                } else {
                    sinceBest[j] += 1
                    if sinceBest[j] >= es.patience { stopped[j] = true; histories[j].stoppedEarly = true }
                }
            }
            if stopped.allSatisfy({ $0 }) { break }
        }
        if let es = options.earlyStopping {
            for j in 0..<k {
                if let s = bestState[j] { stack.load(head: j, s) }
                let scores = histories[j].epochs.map { es.metric == .loss ? $0.valLoss : -$0.valTop1 }
                histories[j].bestEpoch = histories[j].epochs[scores.indices.min { scores[$0] < scores[$1] } ?? 0].epoch
            }
        }
        return FitResult(model: stack.synchronizedModel(), pooling: pooling, histories: histories,
                         trainSeconds: Date().timeIntervalSince(started), rowsSeen: rowsSeen, blockSize: blockSize)
    }

    /// Raw tap rows → what the model reads: fixed poolings applied, GeM maps kept.
    static func modelInput(_ data: FeatureSet, pooling: Pooling?) throws -> FeatureSet {
        guard let p = pooling, data.isMap else { return data }
        return p.isLearnable ? data : data.pooled(p)
    }
}
