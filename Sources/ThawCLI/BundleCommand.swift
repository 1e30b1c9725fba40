import ArgumentParser
import Foundation
import ThawBundle
import ThawInputs
import ThawPredict
import ThawStore

/// `thaw bundle inspect`: what a model bundle holds.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Inspect model bundles (written by fit --export, sweep --export-best, finetune --export).",
        subcommands: [Inspect.self, Preprocess.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a bundle's backbone, input, tap, head, classes and origin.")
        @Argument(help: "Bundle file (.safetensors).") var file: String
        @Flag(help: "Print the description as JSON.") var json = false

        func run() throws {
            let b = try ModelBundle.read(file)
            let d = b.description
            let parameters = b.file.tensors.reduce(0) { $0 + $1.elementCount }
            if json {
                struct Out: Encodable { var file: String; var format: String; var parameters: Int; var bundle: BundleDescription }
                return try printJSON(Out(file: file, format: ModelBundle.format, parameters: parameters, bundle: d))
            }
            let head = d.head.hidden.isEmpty ? d.head.type : "\(d.head.type) \(d.head.hidden.map(String.init).joined(separator: "×")) \(d.head.activation)\(d.head.layerNorm ? " +LayerNorm" : "")"
            print("bundle      \(file)  (\(ModelBundle.format), \(d.kind.rawValue), \(parameters) parameters)")
            print("backbone    \(d.backbone.name)  weights sha256 \(d.backbone.weightsSHA256.prefix(16))…\(d.backbone.weightsFile.isEmpty ? "" : "  (\(d.backbone.weightsFile))")")
            print("input       \(d.input.rawValue)  \(d.preprocessing)")
            print("tap         \(d.tap.name)  \(d.tap.dtype) \(d.tap.shape.map(String.init).joined(separator: "×")) \(d.tap.layout)  pooling \(d.pooling)")
            print("head        \(head)")
            print("classes     \(d.classes.count): \(d.classes.joined(separator: ", "))")
            let metrics = d.metrics.sorted { $0.key < $1.key }.map { String(format: "%@ %.2f%%", $0.key, 100 * $0.value) }
            if !metrics.isEmpty { print("metrics     \(metrics.joined(separator: "  "))") }
            print("run         \(d.run)  (thaw \(d.toolVersion), cache \(d.cacheFingerprint.prefix(16)))")
        }
    }

    /// The exact tensors the bundle's backbone takes: what an ONNX Runtime user feeds `thaw export`'s graph.
    struct Preprocess: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the bundle's preprocessed inputs as .npy: images → PREFIX.pixels.npy (float32 NHWC), texts → PREFIX.input_ids.npy and PREFIX.attention_mask.npy (int64).")
        @Argument(help: "Bundle file (.safetensors).") var bundle: String
        @Argument(help: "Image files or folders (image bundles); strings or .txt files (text bundles).") var inputs: [String] = []
        @Option(help: "A data source as `thaw predict --data` takes it, instead of inputs.") var data: String?
        @Option(help: "With --data: only this split (train, val or test).") var split: String?
        @Option(help: "With --data: at most N samples per split, as `thaw extract --limit` chooses them.") var limit: Int?
        @Option(help: "Output prefix.") var output: String
        @Option(help: "Weight file of the frozen backbone (head bundles; default: the installed weights).") var weights: String?

        func validate() throws {
            guard inputs.isEmpty != (data == nil) else { throw ValidationError("Give inputs or --data SOURCE (not both).") }
            if let split, Split(rawValue: split) == nil { throw ValidationError("--split: train, val or test.") }
            if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1.") }
        }

        /// Writes the samples in `thaw predict`'s order for the same arguments, so rows line up.
        func run() throws {
            let runner = try BundleRunner(try ModelBundle.read(bundle), weights: weights)
            var q = PredictRequest(bundle: bundle)
            q.inputs = inputs; q.data = data; q.split = split.flatMap(Split.init(rawValue:)); q.limit = limit
            switch (try Predict.sources(q, runner: runner), runner.input) {
            case (.images(let source, let samples), .image(let preset)):
                let pipeline = DecodePipeline(source: source, samples: samples, preprocessing: preset, batchSize: 16)
                var pixels: [Float] = []
                while let b = try pipeline.next() { pixels += b.pixels }
                try write(output + ".pixels.npy", descr: "<f4", shape: [samples.count] + preset.outputShape, pixels)
                print("wrote \(output).pixels.npy [\(samples.count), \(preset.crop), \(preset.crop), 3] float32 (in thaw predict's order)")
            case (.texts(let source, let samples), .text(let tokenizer)):
                let texts = try samples.map { try source.loadText($0) }
                let tokens = tokenizer.encodeBatch(texts, padding: .fixed(tokenizer.maxLength))
                try write(output + ".input_ids.npy", descr: "<i8", shape: [texts.count, tokenizer.maxLength], tokens.ids.map(Int64.init))
                try write(output + ".attention_mask.npy", descr: "<i8", shape: [texts.count, tokenizer.maxLength], tokens.attentionMask.map(Int64.init))
                print("wrote \(output).input_ids.npy and \(output).attention_mask.npy [\(texts.count), \(tokenizer.maxLength)] int64")
            default:
                throw ValidationError("the inputs do not match the bundle's input kind")
            }
        }

        private func write<T>(_ path: String, descr: String, shape: [Int], _ values: [T]) throws {
            let w = try NPYWriter(path: path, descr: descr, itemSize: MemoryLayout<T>.stride, shape: shape)
            try values.withUnsafeBytes { try w.write($0) }
            try w.close()
        }
    }
}

