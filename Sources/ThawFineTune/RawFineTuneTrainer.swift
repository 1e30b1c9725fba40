import Foundation
import ThawBackbones
import ThawCore
import ThawHeads
import ThawInputs
import ThawKernels

/// Trains a `FineTuneModel` from raw images: every chunk of a batch is decoded from the source,
/// augmented (training) or preprocessed by the cache's preset (evaluation), run through the
/// frozen part of the backbone below the trained blocks (if any), then forward/backward. Same
/// schedule, clipping, layer-wise decay, validation, early stopping and checkpoints as
/// `FineTuneTrainer`; memory is bounded by `settings.chunk` images at a time.
public final class RawFineTuneTrainer {
    public let model: FineTuneModel
    /// Stages up to `start.frozenTap` (nil for `.input`).
    public let frozen: EfficientNetLite?
    public let start: RawStart
    public let data: RawFineTuneData
    public let settings: FineTuneSettings
    public let augmentation: RawAugmentation
    let preprocessor: Preprocessor
    let decoder = ImageDecoder()
    let classes: Int

    public init(model: FineTuneModel, frozen: EfficientNetLite?, start: RawStart, data: RawFineTuneData, settings: FineTuneSettings) {
        precondition((frozen == nil) == (start == .input), "RawFineTuneTrainer: a frozen backbone runs exactly when not starting at the input")
        precondition((model.stem != nil) == (start == .input), "RawFineTuneTrainer: the model has a stem exactly when starting at the input")
        self.model = model
        self.frozen = frozen
        self.start = start
        self.data = data
        self.settings = settings
        augmentation = RawAugmentation(preset: data.preset, seed: settings.seed)
        preprocessor = Preprocessor(data.preset)
        classes = model.classifier.classes
    }

    var trainingMode: BatchNormMode {
        settings.batchNorm == .train ? .batch(momentum: settings.batchNormMomentum) : .running
    }

    /// The trained part's input for `items`: images [m, crop, crop, 3], augmented for `epoch`
    /// (nil: the deterministic preset), through the frozen stages. Returns (x, height, width).
    func inputs(_ items: ArraySlice<RawFineTuneData.Item>, epoch: Int?) throws -> (x: [Float], h: Int, w: Int) {
        let crop = data.preset.crop, per = data.preset.outputCount, m = items.count
        var pixels = [Float](repeating: 0, count: m * per)   // [m, crop, crop, 3]
        try pixels.withUnsafeMutableBufferPointer { out in
            for (j, item) in items.enumerated() {
                let image = try data.source.loadImage(item.sample, decoder: decoder)
                if let epoch {
                    augmentation.render(image, index: item.sample.index, epoch: epoch, into: out.baseAddress! + j * per)
                } else {
                    preprocessor.apply(image, into: out.baseAddress! + j * per)
                }
            }
        }
        guard let frozen, let tap = start.frozenTap else { return (pixels, crop, crop) }
        let out = try frozen.forward(Activations(tensor: Tensor(shape: [m, crop, crop, 3], data: pixels)), from: nil, taps: [tap])
        let t = out[tap]!.tensor                              // [m, H, W, C]
        return (t.data, t.shape[1], t.shape[2])
    }

    /// Runs the remaining epochs (see `FineTuneTrainer.run`).
    public func run(progress: ((FineTuneProgress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> FineTuneOutcome {
        let s = settings
        let train = data.train
        let perEpoch = (train.count + s.batch - 1) / s.batch
        let totalSteps = perEpoch * s.epochs
        let schedule = LearningRateSchedule.cosine(warmupSteps: Int(s.warmupFraction * Double(totalSteps)), minFactor: 0)
        var state = FineTuneCheckpoint(epochsDone: 0, step: 0, seed: s.seed, config: s.config, history: [],
                                       bestValLoss: .infinity, bestEpoch: 0, badEpochs: 0)
        if let resumed = try FineTuneCheckpoint.resume(s, into: model) {
            state = resumed
            progress?(.resumed(epochsDone: state.epochsDone))
        } else if s.batchNorm == .recalibrate {
            try recalibrate(progress)
        }
        var stoppedEarly = false
        if let patience = s.earlyStop, state.badEpochs >= patience { stoppedEarly = true }
        var rowsDone = 0, busy = 0.0
        var epoch = state.epochsDone
        while epoch < s.epochs && !stoppedEarly {
            let t0 = Date()
            let order = SplitMix64.epochOrder(count: train.count, seed: s.seed, epoch: epoch)
            var lossSum = 0.0, lastLR: Float = 0
            for b in 0..<perEpoch {
                let rows = order[(b * s.batch)..<min(order.count, (b + 1) * s.batch)]
                model.zeroGrad()
                var batchLoss = 0.0
                var c0 = rows.startIndex
                while c0 < rows.endIndex {
                    let c1 = min(rows.endIndex, c0 + s.chunk), m = c1 - c0
                    let items = ArraySlice(rows[c0..<c1].map { train[$0] })
                    let (x, h, w) = try inputs(items, epoch: epoch)
                    let (logits, saved) = model.forward(x, batch: m, height: h, width: w, mode: trainingMode)
                    var (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: items.map(\.label), classes: classes)
                    // The batch loss is the mean over all its rows: weight each chunk by its share.
                    let share = Float(m) / Float(rows.count)
                    for i in dlogits.indices { dlogits[i] *= share }
                    model.backward(dlogits, saved: saved)
                    batchLoss += loss * Double(share)
                    c0 = c1
                }
                state.step += 1
                lastLR = s.step.lr * schedule.rate(base: 1, step: state.step - 1, totalSteps: totalSteps)
                s.step.apply(to: model, lrFactor: lastLR / s.step.lr, step: state.step)
                lossSum += batchLoss * Double(rows.count)
                rowsDone += rows.count
                progress?(.batch(epoch: epoch, done: b + 1, total: perEpoch, loss: lossSum / Double((b * s.batch) + rows.count)))
            }
            busy += Date().timeIntervalSince(t0)
            let val = try evaluate(data.validation)
            let record = FineTuneEpoch(epoch: epoch, trainLoss: lossSum / Double(train.count), valLoss: val.loss,
                                       valTop1: val.top1, lr: lastLR, seconds: Date().timeIntervalSince(t0))
            stoppedEarly = try state.close(record, settings: s, model: model)
            epoch += 1
            progress?(.epoch(record))
            if shouldStop?() == true { break }
        }
        return FineTuneOutcome(epochs: state.history, bestEpoch: state.bestEpoch, stoppedEarly: stoppedEarly,
                               rowsPerSecond: busy > 0 ? Double(rowsDone) / busy : 0, trainSeconds: busy)
    }

    /// Metrics on `items` with the deterministic preset and running BN statistics, in chunks.
    public func evaluate(_ items: [RawFineTuneData.Item]) throws -> ClassificationMetrics {
        var z = [Float](); z.reserveCapacity(items.count * classes)
        var r0 = 0
        while r0 < items.count {
            let r1 = min(items.count, r0 + settings.chunk)
            let (x, h, w) = try inputs(items[r0..<r1], epoch: nil)
            z += model.forward(x, batch: r1 - r0, height: h, width: w, mode: .running).logits
            r0 = r1
        }
        let labels = items.map(\.label)
        return z.withUnsafeBufferPointer { zb in labels.withUnsafeBufferPointer { lb in
            ClassificationMetrics.compute(logits: zb.baseAddress!, rowStride: classes, classes: classes,
                                          labels: lb.baseAddress!, count: items.count)
        }}
    }

    /// `.recalibrate`: one pass over the training images (preset, data-set order) with batch
    /// statistics, the running statistics set to the cumulative mean of the chunks'.
    func recalibrate(_ progress: ((FineTuneProgress) -> Void)?) throws {
        let step = max(settings.chunk, 2), train = data.train
        let total = (train.count + step - 1) / step
        var r0 = 0, k = 0
        while r0 < train.count {
            let r1 = min(train.count, r0 + step)
            let (x, h, w) = try inputs(train[r0..<r1], epoch: nil)
            _ = model.forward(x, batch: r1 - r0, height: h, width: w, mode: .batch(momentum: 1 / Float(k + 1)))
            k += 1
            progress?(.recalibrating(done: k, total: total))
            r0 = r1
        }
    }
}
