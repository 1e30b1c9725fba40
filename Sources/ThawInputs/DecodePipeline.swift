import Foundation
import ThawCore

/// One preprocessed batch, in data-set order.
public struct ImageBatch: Sendable {
    /// The samples in this batch (under `OnError.skip`, failed ones are left out).
    public var samples: [Sample]
    /// [samples.count, crop, crop, 3] NHWC float32
    public var pixels: [Float]
}

/// A bounded producer/consumer queue: `workers` threads decode and preprocess batches ahead while
/// the consumer computes. At most `depth` batches exist at once (in work or waiting), so memory is
/// bounded by depth × batch size × crop² × 3 floats, plus the full-size decoded images the workers
/// hold: at most `decodeBytes` of them at once when given (`DecodeBudget`), one per worker without.
/// Batches arrive in order; under `OnError.stop` the first error is thrown by `next()` at the batch it belongs to and the workers stop.
public final class DecodePipeline: @unchecked Sendable {
    private let engine: PipelineEngine
    /// The bound on decoded images in flight (nil: none beyond one per worker).
    public let budget: DecodeBudget?

    /// Every file skipped under `OnError.skip`.
    public var skipped: SkipLog { engine.skipped }

    /// Starts `workers` threads at once; `samples` defaults to all of the source's, in order.
    public init(source: any ImageSource, samples: [Sample]? = nil, preprocessing: Preprocessing,
                decoder: ImageDecoder = ImageDecoder(), batchSize: Int = 16, depth: Int = 4,
                workers: Int = 2, onError: OnError = .stop, decodeBytes: Int? = nil) {
        precondition(batchSize > 0 && depth > 0 && workers > 0, "batchSize, depth and workers must be positive")
        precondition(decodeBytes.map { $0 > 0 } ?? true, "decodeBytes must be positive")
        budget = decodeBytes.map { DecodeBudget(bytes: $0) }
        engine = PipelineEngine(source: source, samples: samples ?? source.samples, preprocessor: Preprocessor(preprocessing),
                                batchSize: batchSize, depth: depth, onError: onError)
        for w in 0..<workers {
            var own = decoder
            own.lease = budget.map { DecodeLease($0) }
            let thread = Thread { [engine, own] in engine.work(decoder: own) }
            thread.name = "thaw.decode.\(w)"
            thread.start()
        }
    }

    // Workers hold only the engine, so dropping the pipeline early stops them.
    deinit { engine.cancel() }

    /// Stops the workers after their current batch.
    public func cancel() { engine.cancel() }

    /// The next batch in order, or nil after the last (or after `cancel()`).
    public func next() throws -> ImageBatch? { try engine.next() }

    /// Hands a delivered batch's pixels back for a later batch to fill (optional). A batch is megabytes, above
    /// the allocator's mapping threshold: without this every batch maps fresh pages, which the kernel faults
    /// in and zeroes (≈3% of an extraction's CPU). A buffer still referenced elsewhere is copied on reuse, so
    /// recycling one early is safe.
    public func recycle(_ batch: ImageBatch) { engine.recycle(batch.pixels) }

    /// Batches filled into a recycled buffer so far.
    var buffersReused: Int { engine.buffersReused }
}

/// The shared state of a `DecodePipeline`'s workers and consumer.
private final class PipelineEngine: @unchecked Sendable {
    private let source: any ImageSource
    private let samples: [Sample]
    private let preprocessor: Preprocessor
    private let batchSize: Int, depth: Int
    private let onError: OnError
    let skipped = SkipLog()

    private let condition = NSCondition()
    private var nextToClaim = 0          // guarded by condition
    private var nextToDeliver = 0        // guarded by condition
    private var done: [Int: Result<ImageBatch, Error>] = [:]
    private var cancelled = false
    private var spare: [[Float]] = []    // guarded by condition; full-batch buffers handed back, at most `depth`
    private(set) var buffersReused = 0   // guarded by condition
    private let batchCount: Int

    init(source: any ImageSource, samples: [Sample], preprocessor: Preprocessor,
         batchSize: Int, depth: Int, onError: OnError) {
        self.source = source; self.samples = samples; self.preprocessor = preprocessor
        self.batchSize = batchSize; self.depth = depth; self.onError = onError
        batchCount = (samples.count + batchSize - 1) / batchSize
    }

    /// Stops the workers after their current batch.
    func cancel() {
        condition.lock(); cancelled = true; condition.broadcast(); condition.unlock()
    }

    /// The next batch in order, or nil after the last.
    func next() throws -> ImageBatch? {
        condition.lock()
        defer { condition.unlock() }
        guard nextToDeliver < batchCount else { return nil }
        while done[nextToDeliver] == nil {
            if cancelled && nextToDeliver >= nextToClaim { return nil }   // cancelled before it was started
            condition.wait()
        }
        let result = done.removeValue(forKey: nextToDeliver)!
        nextToDeliver += 1
        condition.broadcast()
        switch result {
        case .success(let batch): return batch
        case .failure(let error):
            cancelled = true
            nextToDeliver = batchCount
            throw error
        }
    }

    func recycle(_ pixels: [Float]) {
        guard pixels.count == batchSize * preprocessor.preset.outputCount else { return }   // a short last or skipping batch
        condition.lock(); defer { condition.unlock() }
        if spare.count < depth { spare.append(pixels) }
    }

    /// A recycled buffer of `count` floats, or a new one. Its contents are overwritten before anyone reads them.
    private func buffer(count: Int) -> [Float] {
        condition.lock()
        let reused = count == batchSize * preprocessor.preset.outputCount ? spare.popLast() : nil
        if reused != nil { buffersReused += 1 }
        condition.unlock()
        return reused ?? [Float](repeating: 0, count: count)
    }

    /// `decoder`: this worker's own (its `DecodeLease`, if any, is released after each image).
    func work(decoder: ImageDecoder) {
        while true {
            condition.lock()
            // Bounded: claim batch b only while fewer than `depth` batches are ahead of the consumer.
            while !cancelled && nextToClaim < batchCount && nextToClaim >= nextToDeliver + depth { condition.wait() }
            if cancelled || nextToClaim >= batchCount { condition.unlock(); return }
            let b = nextToClaim
            nextToClaim += 1
            condition.unlock()
            let result = Result { try makeBatch(b, decoder: decoder) }
            condition.lock()
            done[b] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    private func makeBatch(_ b: Int, decoder: ImageDecoder) throws -> ImageBatch {
        let range = (b * batchSize)..<min((b + 1) * batchSize, samples.count)
        let per = preprocessor.preset.outputCount
        var kept: [Sample] = []
        var pixels = buffer(count: range.count * per)  // [n, crop, crop, 3]
        try pixels.withUnsafeMutableBufferPointer { out in
            for i in range {
                let sample = samples[i]
                // The decoded image's bytes go back to the budget once it is preprocessed (or failed).
                defer { decoder.lease?.releaseAll() }
                do {
                    let image = try source.loadImage(sample, decoder: decoder)
                    preprocessor.apply(image, into: out.baseAddress! + kept.count * per)
                    kept.append(sample)
                } catch let error as FileError where onError == .skip {
                    skipped.record(index: sample.index, error)
                }
            }
        }
        pixels.removeLast((range.count - kept.count) * per)
        return ImageBatch(samples: kept, pixels: pixels)
    }
}
