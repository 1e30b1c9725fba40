import Foundation
import ThawHeads
import ThawTraining

/// Heads trained on a `TapData`, ready to evaluate.
public struct FitResult {
    public var model: StackedHeads
    /// The pooling the heads were trained with (nil for vector taps).
    public var pooling: Pooling?
    public var histories: [TrainingHistory]
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

    /// Metrics of every head on a split, head `k`'s predicted class per row (argmax of its logits,
    /// first index on ties: what a bundle of head `k` must reproduce sample by sample) and head `k`'s
    /// `mistakes` most confident mistakes (`ConfidentMistakes`; none for 0).
    public func evaluate(_ data: TapData, on split: EvaluationSplit, predictionsOf k: Int, mistakes limit: Int = 0,
                         batchSize: Int = 1024) throws -> ([ClassificationMetrics], [Int32], [Mistake]) {
        let classes = model.classes, ld = model.heads * classes
        let (indices, labels) = data.split(split)
        var predictions = [Int32](repeating: -1, count: labels.count)
        var mistakes = ConfidentMistakes(limit: limit)
        let metrics = try data.evaluate(model, pooling: pooling, on: split, batchSize: batchSize) { logits, start, rows in
            for r in 0..<rows {
                let row = logits + r * ld + k * classes
                var best = 0
                for j in 1..<classes where row[j] > row[best] { best = j }
                predictions[start + r] = Int32(best)
            }
            labels.withUnsafeBufferPointer { y in
                mistakes.add(logits: logits, rowStride: ld, offset: k * classes, classes: classes, labels: y.baseAddress! + start,
                             indices: indices[start..<(start + rows)], count: rows)
            }
        }
        return (metrics, predictions, mistakes.mistakes)
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
                             onEpoch: (EpochRecord) -> Void = { _ in }) throws -> FitResult {
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
        let bmax = min(options.batchSize, data.trainIndices.count)
        let stack = HeadGroups(shape: shape, seeds: heads.map(\.seed), dropoutSeeds: heads.map(\.dropoutSeed),
                               inputWidth: inWidth, classes: classes, gem: gem, capacity: bmax, groupCount: headGroups)
        let blockSize = min(blockSize, data.maxBlockRows)
        let batches = TapBatches(data: data, batchSize: options.batchSize, blockSize: blockSize, seed: options.dataSeed,
                                 flip: flip, fixedPooling: fixedPooling, pooledWidth: inWidth)
        let started = Date()
        let outcome = try StackedHeadsTraining.loop(heads: heads, options: options).run(
            StackedHeadsTraining(stack: stack, heads: heads, options: options), data: batches,
            validate: {
                // No validation rows (a --folds refit on all training data): nothing to score.
                data.validationLabels.isEmpty ? nil
                    : try data.evaluate(stack.synchronizedModel(), pooling: pooling, on: .validation,
                                        batchSize: options.evaluationBatchSize).map(\.score)
            },
            onEvent: { event in
                if case .epoch(let records) = event, heads.count == 1, let e = records[0] { onEpoch(e) }
                return true
            })
        return FitResult(model: stack.synchronizedModel(), pooling: pooling, histories: outcome.histories,
                         trainSeconds: Date().timeIntervalSince(started), rowsSeen: outcome.rowsDone, blockSize: blockSize)
    }

    /// Raw tap rows → what the model reads: fixed poolings applied, GeM maps kept.
    static func modelInput(_ data: FeatureSet, pooling: Pooling?) throws -> FeatureSet {
        guard let p = pooling, data.isMap else { return data }
        return p.isLearnable ? data : data.pooled(p)
    }
}
