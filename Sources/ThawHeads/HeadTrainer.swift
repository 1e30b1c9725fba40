import Foundation
import ThawCore
import ThawTraining

/// A stack of heads after training, with what each head went through.
public struct TrainedStack {
    public var model: StackedHeads
    public var pooling: Pooling?
    public var histories: [TrainingHistory]
}

/// Trains K heads of one shape on the same input in one pass per batch: one GEMM per group of heads
/// for all their first layers, a group per core (`HeadGroups`).
///
/// A stacked run of K heads gives the weights of K separate runs with the same seeds: every head sees
/// the same batches (shuffled by `options.dataSeed`), owns its initial weights, dropout masks and
/// optimizer state, and never reads another head's numbers.
public enum HeadTrainer {
    /// Trains `heads.count` heads. `pooling` must be given for map features and nil for vectors;
    /// fixed poolings are computed once, GeM is trained (p per head). `headGroups` overrides how many
    /// groups of heads train side by side (default: one per core; see `HeadGroups`; results do not depend on it).
    public static func train(shape: HeadShape, pooling: Pooling?, heads: [HeadHyperparameters], classes: Int,
                             train: FeatureSet, validation: FeatureSet?, options: TrainingOptions,
                             headGroups: Int? = nil) throws -> TrainedStack {
        precondition(!heads.isEmpty, "HeadTrainer.train: need at least one head")
        try train.validate(classes: classes)
        try validation?.validate(classes: classes)
        guard train.count > 0 else { throw HeadsError("\(train.name): no training rows; check the split definition") }
        if let w = options.classWeights, w.count != classes {
            throw HeadsError("class weights: \(w.count) given for \(classes) classes; pass one weight per class")
        }
        if options.earlyStopping != nil && validation == nil {
            throw HeadsError("early stopping watches the validation split, but none was given; pass one or drop earlyStopping")
        }
        let (trainX, gem) = try prepare(train, pooling: pooling)
        let valX = try validation.map { try prepare($0, pooling: pooling).0 }
        let bmax = min(options.batchSize, trainX.count)
        let stack = HeadGroups(shape: shape, seeds: heads.map(\.seed), dropoutSeeds: heads.map(\.dropoutSeed),
                               inputWidth: gem?.channels ?? trainX.rowWidth, classes: classes, gem: gem,
                               capacity: bmax, groupCount: headGroups)
        let width = trainX.rowWidth
        let xb = FloatBuffer(count: bmax * width)               // [B, rowWidth] gathered batch
        var yb = [Int32](repeating: 0, count: bmax)             // [B]
        let batches = ShuffledBatches<HeadRows>(rowCount: trainX.count, batchSize: options.batchSize,
                                                chunkSize: options.batchSize, seed: options.dataSeed) { rows, _ in
            trainX.features.withUnsafeBufferPointer { src in
                for (r, i) in rows.enumerated() {
                    (xb.pointer + r * width).update(from: src.baseAddress! + i * width, count: width)
                    yb[r] = trainX.labels[i]
                }
            }
            return HeadRows(x: xb.pointer, labels: yb)
        }
        let outcome = try StackedHeadsTraining.loop(heads: heads, options: options).run(
            StackedHeadsTraining(stack: stack, heads: heads, options: options), data: batches,
            validate: {
                valX.map { evaluate(model: stack.synchronizedModel(), data: $0, batchSize: options.evaluationBatchSize).map(\.score) }
            })
        return TrainedStack(model: stack.synchronizedModel(), pooling: pooling, histories: outcome.histories)
    }

    /// Pools fixed poolings up front; returns the data the model reads and GeM's input geometry.
    static func prepare(_ data: FeatureSet, pooling: Pooling?) throws
        -> (FeatureSet, (spatial: Int, channels: Int, p: Float)?) {
        switch (data.isMap, pooling) {
        case (false, nil):
            return (data, nil)
        case (false, .some(let p)):
            throw HeadsError("\(data.name): pooling \(p) asked for vector features \(data.rowShape); "
                             + "pool only map features [H, W, C] (use no pooling for vectors)")
        case (true, nil):
            throw HeadsError("\(data.name): map features \(data.rowShape) need a pooling (avg, max, avgMax or gem)")
        case (true, .some(.gem(let p0))):
            return (data, (data.spatial, data.channels, p0))
        case (true, .some(let p)):
            return (data.pooled(p), nil)
        }
    }

    /// Logits [N, K·classes] of every head over `data` (already in the model's input form), eval mode.
    public static func logits(model: StackedHeads, data: FeatureSet, batchSize: Int = 1024) -> [Float] {
        let n = data.count, kc = model.heads * model.classes, width = data.rowWidth
        var out = [Float](repeating: 0, count: n * kc)
        let cap = max(1, min(batchSize, n))
        let ws = model.makeWorkspace(capacity: cap)
        data.features.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                var start = 0
                while start < n {
                    let b = min(cap, n - start)
                    model.forward(x: x.baseAddress! + start * width, batch: b, train: false, ws: ws)
                    (o.baseAddress! + start * kc).update(from: ws.logits.pointer, count: b * kc)
                    start += b
                }
            }
        }
        return out
    }

    /// Metrics of every head on `data` (in the model's input form), accumulated batch by batch:
    /// no [N, K·classes] logits are kept (same numbers as metrics over `logits(model:data:)`).
    public static func evaluate(model: StackedHeads, data: FeatureSet, batchSize: Int = 1024) -> [ClassificationMetrics] {
        let n = data.count, classes = model.classes, width = data.rowWidth
        var acc = [MetricsAccumulator](repeating: MetricsAccumulator(classes: classes), count: model.heads)
        let cap = max(1, min(batchSize, n))
        let ws = model.makeWorkspace(capacity: cap)
        data.features.withUnsafeBufferPointer { x in
            data.labels.withUnsafeBufferPointer { y in
                var start = 0
                while start < n {
                    let b = min(cap, n - start)
                    model.forward(x: x.baseAddress! + start * width, batch: b, train: false, ws: ws)
                    MetricsAccumulator.add(&acc, logits: ws.logits.pointer, labels: y.baseAddress! + start, count: b)
                    start += b
                }
            }
        }
        return acc.map(\.metrics)
    }

    /// Metrics of every head of a trained stack on raw split data (pooled as in training).
    public static func evaluate(_ stack: TrainedStack, on data: FeatureSet, batchSize: Int = 1024) throws
        -> [ClassificationMetrics] {
        try data.validate(classes: stack.model.classes)
        return evaluate(model: stack.model, data: try prepare(data, pooling: stack.pooling).0, batchSize: batchSize)
    }
}
