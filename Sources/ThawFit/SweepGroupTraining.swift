import Foundation
import ThawHeads
import ThawTraining
import ThawWeights

/// One group of a sweep trained on one `TapData`: the heads of one tap, pooling and shape trained
/// stacked (`FitTrainer.train`, each head with its own learning rate, weight decay and seed, and with
/// `SweepRequest`'s label smoothing, class weights, early stopping and flips), or one warm-started
/// L-BFGS path over C. Shared by the plain sweep and every fold of `--folds`.
struct SweepGroupTraining {
    /// Per member, in `members` order (empty when `data` has no validation rows).
    var validation: [ClassificationMetrics]
    /// Per member (L-BFGS: empty histories).
    var histories: [TrainingHistory]
    var seconds: Double
    var rowsSeen: Int
    /// Member k's test metrics, predicted class per test row and its `limit` most confident mistakes
    /// (nil without a test split).
    var test: (_ k: Int, _ limit: Int) throws -> (ClassificationMetrics, [Int32], [Mistake])?
    /// Member k's tensors as a bundle stores them.
    var tensors: (_ k: Int) -> [SafetensorsWriter.Tensor]

    /// The loop options of a stacked group: `q`'s batch, optimizer, label smoothing, class weights
    /// (balanced over `trainLabels`) and early stopping, for `epochs` epochs.
    static func options(_ q: SweepRequest, trainLabels: [Int32], classes: Int, epochs: Int, earlyStop: Int?) -> TrainingOptions {
        TrainingOptions(epochs: epochs, batchSize: q.batch, optimizer: q.solver == .sgd ? .sgdDefault : .adamwDefault,
                        labelSmoothing: q.labelSmoothing,
                        classWeights: q.balancedClassWeights ? BalancedClassWeights.weights(labels: trainLabels, classes: classes) : nil,
                        earlyStopping: earlyStop.map { EarlyStopping(metric: .loss, patience: $0) }, dataSeed: q.seed)
    }

    /// Trains `members` (all of one tap, pooling and head shape; an L-BFGS group sorted by C) on `data`.
    /// `epochs`/`earlyStop` default to the request's (a `--folds` refit passes its own).
    static func train(_ q: SweepRequest, data: TapData, members: [SweepPoint], pooling: Pooling?,
                      epochs: Int? = nil, earlyStop: Int?? = nil) throws -> SweepGroupTraining {
        let hasValidation = !data.validationLabels.isEmpty
        if members[0].c != nil {
            // L-BFGS takes full-batch gradients: it trains from memory.
            let train = try data.trainingSet()
            let fixed = pooling.map { !$0.isLearnable } ?? false
            let tr = fixed ? train.pooled(pooling!) : train
            guard !tr.isMap else { throw FitError("L-BFGS needs a fixed pooling (avg, max, avgmax), not gem") }
            let weights = q.balancedClassWeights ? BalancedClassWeights.weights(labels: data.trainLabels, classes: data.classes) : nil
            let t0 = Date()
            let path = try LogisticRegression.path(data: tr, classes: data.classes, cs: members.map { $0.c! },
                                                   sampleWeights: weights.map { w in tr.labels.map { w[Int($0)] } })
            let seconds = Date().timeIntervalSince(t0)
            let va = hasValidation ? (fixed ? data.validation.pooled(pooling!) : data.validation) : nil
            let te = fixed ? data.test?.pooled(pooling!) : data.test
            return SweepGroupTraining(
                validation: va.map { v in path.map { $0.evaluate(v) } } ?? [],
                histories: members.map { _ in TrainingHistory() }, seconds: seconds, rowsSeen: tr.count * members.count,
                test: { k, limit in
                    guard let te else { return nil }
                    let z = path[k].logits(te)   // [rows, classes]
                    return (path[k].evaluate(te), FitRun.argmaxRows(z, classes: data.classes),
                            ConfidentMistakes.of(logits: z, classes: data.classes, labels: te.labels, indices: data.testIndices, limit: limit))
                },
                tensors: { HeadExport.tensors(path[$0]) })
        }
        let options = Self.options(q, trainLabels: data.trainLabels, classes: data.classes, epochs: epochs ?? q.epochs,
                                   earlyStop: earlyStop ?? q.earlyStop)
        let t0 = Date()
        // Every head of the stack reads the same block: one pass over the cache per epoch.
        let stack = try FitTrainer.train(
            data: data, shape: members[0].head, pooling: pooling,
            heads: members.map { HeadHyperparameters(learningRate: $0.lr!, weightDecay: $0.weightDecay!, seed: q.seed &+ UInt64($0.index)) },
            options: options, flip: q.flip, blockSize: q.blockSize)
        let seconds = Date().timeIntervalSince(t0)
        return SweepGroupTraining(
            validation: hasValidation ? try stack.evaluate(data, on: .validation) : [],
            histories: stack.histories, seconds: seconds, rowsSeen: stack.rowsSeen,
            test: { k, limit in
                guard data.hasTest else { return nil }
                let (metrics, predictions, mistakes) = try stack.evaluate(data, on: .test, predictionsOf: k, mistakes: limit)
                return (metrics[k], predictions, mistakes)
            },
            tensors: { HeadExport.tensors(stack.model, head: $0) })
    }
}
