import Foundation
import ThawBackbones
import ThawCore
import ThawHeads
import ThawInputs
import ThawKernels
import ThawTraining

/// Trains a `FineTuneModel` (EfficientNet-Lite, MobileNetV2) from raw images: every chunk of a batch is decoded from the source,
/// augmented (training) or preprocessed by the cache's preset (evaluation), run through the
/// frozen part of the backbone below the trained blocks (if any), then forward/backward. Same
/// schedule, clipping, layer-wise decay, validation, early stopping and checkpoints as
/// `FineTuneTrainer`; memory is bounded by `settings.chunk` images at a time.
public final class RawFineTuneTrainer {
    public let model: FineTuneModel
    /// The frozen backbone whose stages up to `frozenTap` run on every chunk (nil: the model starts at the images).
    public let frozen: (any Backbone)?
    /// Its cut point the trained part takes: EfficientNet-Lite `stem` / `blocks.K`, MobileNetV2 `features.K`.
    public let frozenTap: String?
    public let data: RawFineTuneData
    public let settings: FineTuneSettings
    public let augmentation: RawAugmentation
    let preprocessor: Preprocessor
    let decoder = ImageDecoder()
    let classes: Int

    /// `frozen` runs up to `frozenTap` exactly when both are given; a model with a stem takes the images themselves.
    public init(model: FineTuneModel, frozen: (any Backbone)?, frozenTap: String?, data: RawFineTuneData, settings: FineTuneSettings) {
        precondition((frozen == nil) == (frozenTap == nil), "RawFineTuneTrainer: a frozen backbone needs the tap it runs to, and only then")
        precondition((model.stem != nil) == (frozen == nil), "RawFineTuneTrainer: the model has a stem exactly when no frozen stage runs")
        self.model = model
        self.frozen = frozen
        self.frozenTap = frozenTap
        self.data = data
        self.settings = settings
        augmentation = RawAugmentation(preset: data.preset, seed: settings.seed)
        preprocessor = Preprocessor(data.preset)
        classes = model.classifier.classes
    }

    /// EfficientNet-Lite from `start`: `frozen` (nil exactly for `.input`) runs to `start.frozenTap`.
    public convenience init(model: FineTuneModel, frozen: EfficientNetLite?, start: RawStart, data: RawFineTuneData, settings: FineTuneSettings) {
        precondition((frozen == nil) == (start == .input), "RawFineTuneTrainer: a frozen backbone runs exactly when not starting at the input")
        self.init(model: model, frozen: frozen, frozenTap: start.frozenTap, data: data, settings: settings)
    }

    var trainingMode: BatchNormMode {
        settings.batchNorm == .train ? .batch(momentum: settings.batchNormMomentum) : .running
    }

    /// Images [m, crop, crop, 3] of `items`, decoded with `decoder` and augmented for `epoch` (nil: the
    /// deterministic preset). Thread-safe given a decoder per thread (training decodes on a prefetch thread).
    func pixels(_ items: ArraySlice<RawFineTuneData.Item>, epoch: Int?, decoder: ImageDecoder) throws -> [Float] {
        let per = data.preset.outputCount
        var pixels = [Float](repeating: 0, count: items.count * per)   // [m, crop, crop, 3]
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
        return pixels
    }

    /// The trained part's input for `items`: `pixels` through the frozen stages. Returns (x, height, width).
    func inputs(_ items: ArraySlice<RawFineTuneData.Item>, epoch: Int?) throws -> (x: [Float], h: Int, w: Int) {
        try throughFrozen(try pixels(items, epoch: epoch, decoder: decoder), count: items.count)
    }

    /// Images [m, crop, crop, 3] through the frozen stages (on the calling thread: they use the BLAS threads).
    func throughFrozen(_ pixels: [Float], count m: Int) throws -> (x: [Float], h: Int, w: Int) {
        let crop = data.preset.crop
        guard let frozen, let tap = frozenTap else { return (pixels, crop, crop) }
        let out = try frozen.forward(Activations(tensor: Tensor(shape: [m, crop, crop, 3], data: pixels)), from: nil, taps: [tap])
        let t = out[tap]!.tensor                              // [m, H, W, C]
        return (t.data, t.shape[1], t.shape[2])
    }

    /// Chunks decoded and augmented ahead of training (`prefetch` of them at most); 0 decodes on the training thread.
    public var prefetch = 4

    /// Runs the remaining epochs (see `FineTuneTrainer.run`). Decoding and augmentation run on a prefetch
    /// thread (`PrefetchedBatches`, a fresh decoder), the frozen stages and training on this one: same numbers.
    public func run(progress: ((FineTuneProgress) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> FineTuneOutcome {
        let train = data.train
        let batches: any BatchSource<MapChunk>
        if prefetch > 0 {
            let background = ImageDecoder(), box = UncheckedSendable(self)
            batches = PrefetchedBatches<[Float], MapChunk>(
                rowCount: train.count, batchSize: settings.batch, chunkSize: settings.chunk, seed: settings.seed, depth: prefetch,
                prepare: { rows, epoch in try box.value.pixels(ArraySlice(rows.map { train[$0] }), epoch: epoch, decoder: background) },
                finish: { [self] pixels, rows, _ in
                    let (x, h, w) = try throughFrozen(pixels, count: rows.count)
                    return MapChunk(x: x, rows: rows.count, height: h, width: w, labels: rows.map { train[$0].label })
                })
        } else {
            batches = ShuffledBatches<MapChunk>(rowCount: train.count, batchSize: settings.batch, chunkSize: settings.chunk,
                                                seed: settings.seed) { [self] rows, epoch in
                let items = ArraySlice(rows.map { train[$0] })
                let (x, h, w) = try inputs(items, epoch: epoch)
                return MapChunk(x: x, rows: items.count, height: h, width: w, labels: items.map(\.label))
            }
        }
        return try settings.run(FineTuneTraining(model: model, step: settings.step, mode: trainingMode), tensors: model,
                                data: batches, validate: { try evaluate(data.validation) }, freshStart: {
                                    if settings.batchNorm == .recalibrate { try recalibrate(progress) }
                                }, progress: progress, shouldStop: shouldStop)
    }

    /// Metrics on `items` with the deterministic preset and running BN statistics, in chunks.
    public func evaluate(_ items: [RawFineTuneData.Item]) throws -> ClassificationMetrics {
        let z = try logits(items)
        let labels = items.map(\.label)
        return z.withUnsafeBufferPointer { zb in labels.withUnsafeBufferPointer { lb in
            ClassificationMetrics.compute(logits: zb.baseAddress!, rowStride: classes, classes: classes,
                                          labels: lb.baseAddress!, count: items.count)
        }}
    }

    /// Logits [items, classes] in inference mode (running BatchNorm statistics, no augmentation).
    public func logits(_ items: [RawFineTuneData.Item]) throws -> [Float] {
        var z = [Float](); z.reserveCapacity(items.count * classes)
        var r0 = 0
        while r0 < items.count {
            let r1 = min(items.count, r0 + settings.chunk)
            let (x, h, w) = try inputs(items[r0..<r1], epoch: nil)
            z += model.forward(x, batch: r1 - r0, height: h, width: w, mode: .running).logits
            r0 = r1
        }
        return z
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

/// A value handed to the prefetch thread: `RawFineTuneTrainer.pixels` reads only immutable state
/// (source, preset, augmentation) and the decoder passed with it.
struct UncheckedSendable<T>: @unchecked Sendable { let value: T; init(_ value: T) { self.value = value } }
