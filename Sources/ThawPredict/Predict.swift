import Foundation
import ThawBackbones
import ThawCore
import ThawExtract
import ThawHeads
import ThawInputs
import ThawKernels
import ThawStore

/// What a prediction run saw.
public struct PredictSummary {
    public var count = 0
    public var metrics: ClassificationMetrics?
    /// Samples with a label the bundle does not know, by label.
    public var unknownLabels: [String: Int] = [:]
    /// Inputs that could not be read under `OnError.skip`: "id: reason".
    public var skipped: [String] = []
}

/// `thaw predict`: a bundle applied to raw inputs (images or texts, streamed in batches through the
/// extract decode pipeline) or to a cache's stored tap. Rows go to `onRows` batch by batch, in input
/// order, so memory stays bounded whatever the data size.
public enum Predict {
    /// Samples to predict: how many (for progress), then batches through `onRows`.
    public static func run(_ q: PredictRequest, runner: BundleRunner, total: (Int) -> Void = { _ in },
                           onRows: ([PredictionRow]) throws -> Void) throws -> PredictSummary {
        var metrics = PredictionMetrics(classes: runner.bundle.description.classes)
        var summary = PredictSummary()
        let classes = runner.bundle.description.classes
        func emit(_ logits: [Float], _ samples: [(index: Int, id: String, label: String?)]) throws {
            if let r = logits.indices.first(where: { !logits[$0].isFinite }).map({ $0 / classes.count }) {
                throw PredictError(file: q.bundle, problem: "gives NaN or infinite class scores for \(samples[r].id): the network's weights hold non-finite values",
                                   fix: "list them with `thaw weights inspect \(runner.weightsPath)`; export the model again from a run that did not diverge")
            }
            metrics.add(logits: logits, labels: samples.map(\.label))
            var p = logits
            Softmax.forward(&p, rows: samples.count, columns: classes.count)
            let rows = PredictionRow.rows(probabilities: p, classes: classes, top: q.top, samples: samples)
            summary.count += rows.count
            try onRows(rows)
        }
        if let cache = q.cache {
            try CachePrediction.run(cache: cache, split: q.split, batch: q.batch, runner: runner, total: total, emit: emit)
        } else {
            switch try sources(q, runner: runner) {
            case .images(let source, let samples):
                total(samples.count)
                summary.skipped = try images(source, samples: samples, q, runner: runner, emit: emit)
            case .texts(let source, let samples):
                total(samples.count)
                summary.skipped = try texts(source, samples: samples, q, runner: runner, emit: emit)
            }
        }
        summary.metrics = metrics.metrics
        summary.unknownLabels = metrics.unknownLabels
        return summary
    }

    /// The samples a request names, in prediction order.
    public enum Inputs {
        case images(any ImageSource, [Sample])
        case texts(any TextSource, [Sample])
    }

    /// `--data` through `DataSpec` (an unlabeled folder as a plain list), or the positional inputs.
    public static func sources(_ q: PredictRequest, runner: BundleRunner) throws -> Inputs {
        let wantsText = runner.bundle.description.input == .text
        let inputs: Inputs
        if let data = q.data {
            let spec = try DataSpec.resolve(data)
            let selection: (any SampleSource) -> [Sample] = { source in
                let all = SampleSelection(source: source, limit: q.limit).samples
                return q.split.map { s in all.filter { $0.split == s } } ?? all
            }
            switch spec {
            case .images(let s): inputs = .images(s, selection(s))
            case .text(let s): inputs = .texts(s, selection(s))
            }
        } else if wantsText {
            if let image = q.inputs.first(where: { ImageFolderSource.extensions.contains(($0 as NSString).pathExtension.lowercased()) }) {
                throw PredictError(file: image, problem: "is an image, but the bundle \(q.bundle) classifies text",
                                   fix: "pass texts (strings, .txt files or a text folder), or a bundle trained on image features")
            }
            let s = try TextListSource(arguments: q.inputs)
            inputs = .texts(s, s.samples)
        } else {
            let s = try ImageListSource(paths: q.inputs)
            inputs = .images(s, s.samples)
        }
        switch (inputs, wantsText) {
        case (.images, true):
            throw PredictError(file: q.data ?? q.inputs.first ?? "", problem: "holds images, but the bundle \(q.bundle) classifies text",
                               fix: "pass texts (strings, .txt files or a text folder), or a bundle trained on image features")
        case (.texts, false):
            throw PredictError(file: q.data ?? q.inputs.first ?? "", problem: "holds text, but the bundle \(q.bundle) classifies images",
                               fix: "pass images, or a bundle trained on text features")
        default: return inputs
        }
    }

    /// Streams images through a `DecodePipeline`; returns the skipped files.
    static func images(_ source: any ImageSource, samples: [Sample], _ q: PredictRequest, runner: BundleRunner,
                       emit: ([Float], [(index: Int, id: String, label: String?)]) throws -> Void) throws -> [String] {
        guard case .image(let preset) = runner.input else { return [] }
        let pipeline = DecodePipeline(source: source, samples: samples, preprocessing: preset, batchSize: q.batch,
                                      depth: 3, workers: 2, onError: q.onError)
        defer { pipeline.cancel() }
        while let batch = try pipeline.next() {
            let n = batch.samples.count
            guard n > 0 else { continue }
            let x = Activations(tensor: Tensor(shape: [n] + preset.outputShape, data: batch.pixels))
            try emit(try runner.logits(x, count: n), batch.samples.map { ($0.index, $0.id, $0.label.isEmpty ? nil : $0.label) })
            pipeline.recycle(batch)
        }
        return pipeline.skipped.entries.map { $0.error.description }
    }

    /// Texts in batches, padded to the tokenizer's fixed length as the cache was.
    static func texts(_ source: any TextSource, samples: [Sample], _ q: PredictRequest, runner: BundleRunner,
                      emit: ([Float], [(index: Int, id: String, label: String?)]) throws -> Void) throws -> [String] {
        guard case .text(let tokenizer) = runner.input else { return [] }
        var skipped: [String] = []
        for start in stride(from: 0, to: samples.count, by: q.batch) {
            var texts: [String] = [], kept: [Sample] = []
            for s in samples[start..<min(start + q.batch, samples.count)] {
                do { texts.append(try source.loadText(s)); kept.append(s) } catch let e as FileError where q.onError == .skip {
                    skipped.append("\(s.id): \(e.description)")
                }
            }
            guard !texts.isEmpty else { continue }
            let tokens = tokenizer.encodeBatch(texts, padding: .fixed(tokenizer.maxLength))   // [n, T]
            let x = Activations(tensor: Tensor(shape: [texts.count, tokenizer.maxLength], data: tokens.ids.map { Float($0) }),
                                mask: tokens.attentionMask.map { Float($0) })
            try emit(try runner.logits(x, count: texts.count), kept.map { ($0.index, $0.id, $0.label.isEmpty ? nil : $0.label) })
        }
        return skipped
    }
}
