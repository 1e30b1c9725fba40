import ArgumentParser
import Foundation
import ThawAssets
import ThawBackbones
import ThawONNX
import ThawWeights

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a backbone + trained head, or a fine-tuned network, as one ONNX file (opset 17) for ONNX Runtime.",
        discussion: """
            The graph takes what Thaw's preprocessing produces: images as `pixels` float [N, S, S, 3]
            (NHWC, normalised, the model's crop size), text as `input_ids` and `attention_mask` int64
            [N, T]. It returns `logits` and `probabilities` [N, K]; class names are in the model metadata.
              thaw export --head head.safetensors --tap-dtype f16 --onnx lite0-head.onnx
              thaw export --model resnet50 --weights finetuned.safetensors --finetuned --onnx resnet50.onnx
            """)

    @Option(help: "Model name from the catalog.")
    var model = "efficientnet-lite0"

    @Option(help: "Backbone weight file (.pth, .pt, .safetensors); defaults to the model's installed weights. With --finetuned: the fine-tuned export.")
    var weights: String?

    @Option(help: "Head file written by `thaw fit --export` (safetensors).")
    var head: String?

    @Option(help: "Cut point the head reads; defaults to the head file's `tap`.")
    var tap: String?

    @Option(name: .customLong("tap-dtype"), help: "dtype of the cache the head was trained on (f16, bf16, f32): the tap is rounded to it.")
    var tapDType = "f16"

    @Option(help: "Pooling the head was trained with (none, avg, max, avgmax, gem); defaults to the head file's `pooling`.")
    var pooling: String?

    @Flag(help: "Export the weights' own classifier (a `thaw finetune --export` file) instead of a head.")
    var finetuned = false

    @Flag(help: "BERT fine-tuned: L2-normalise the pooled tokens before the classifier (default: as the export records).")
    var l2 = false

    @Option(help: "Output .onnx file (written to a temporary name, then renamed).")
    var onnx: String

    func validate() throws {
        guard finetuned != (head != nil) else {
            throw ValidationError("Give either --head FILE (a trained head) or --finetuned (the network's own classifier).")
        }
        guard ["f32", "f16", "bf16"].contains(tapDType) else { throw ValidationError("--tap-dtype must be f32, f16 or bf16") }
    }

    func run() throws {
        let entry = try ModelCatalog.named(model)
        let weightsPath = try resolveWeights(entry)
        let data: Data
        if finetuned {
            let file = try WeightFile.load(entry.family == "bert" ? try BertBackbone.resolveWeights(weightsPath) : weightsPath)
            let names = FineTunedWeights.classNames(weightsPath) ?? classCount(file, entry).map { "class \($0)" }
            let l2 = self.l2 || file.metadata["pooling"] == "mean-l2"
            data = try ONNXExport.finetunedModel(backbone: entry.name, weights: weightsPath, classes: names, l2Normalize: l2,
                                                 toolVersion: Thaw.version)
        } else {
            let (spec, headTap, classes) = try readHead(head!)
            guard let tap = tap ?? headTap else {
                throw ValidationError("\(head!) does not record its tap; pass --tap (e.g. pool)")
            }
            data = try ONNXExport.model(backbone: entry.name, weights: weightsPath, tap: tap, head: spec, classes: classes,
                                        toolVersion: Thaw.version)
        }
        try ONNXExport.write(data, to: onnx)
        print("wrote \(onnx) (\(data.count) bytes): \(entry.name) \(finetuned ? "fine-tuned classifier" : "+ head \(head!)")")
    }

    /// The head's description from a `thaw fit --export` file: widths from the `fcN.weight`
    /// shapes, LayerNorm from `lnN.*`, activation, pooling, tap and class names from its metadata.
    private func readHead(_ path: String) throws -> (ONNXHeadSpec, tap: String?, classes: [String]) {
        let file = try WeightFile.load(path)
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        for t in file.tensors {
            tensors[t.name.hasPrefix("head.") ? t.name : "head." + t.name] = (t.shape, t.floats())
        }
        guard let out = tensors["head.out.weight"], out.shape.count == 2 else {
            throw ValidationError("\(path): no out.weight [classes, width]; is this a head written by `thaw fit --export`?")
        }
        let hidden = (1...2).compactMap { tensors["head.fc\($0).weight"]?.shape.first }
        let meta = file.metadata
        let classes = meta["class_names"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
            ?? (0..<out.shape[0]).map { "class \($0)" }
        let spec = ONNXHeadSpec(tapDType: tapDType, pooling: pooling ?? meta["pooling"] ?? "none",
                                type: hidden.isEmpty ? "linear" : "mlp", hidden: hidden,
                                activation: meta["activation"] ?? "relu", layerNorm: tensors["head.ln1.gamma"] != nil, tensors: tensors)
        return (spec, meta["tap"], classes)
    }

    /// Classifier width of a fine-tuned file (`_fc.weight`, `fc.weight` or `classifier.weight`).
    private func classCount(_ file: WeightFile, _ entry: ModelEntry) -> Range<Int> {
        let k = file.tensors.first { t in ["_fc.weight", "fc.weight", "classifier.weight"].contains { t.name.hasSuffix($0) } }?.shape.first
        return 0..<(k ?? 0)
    }

    private func resolveWeights(_ entry: ModelEntry) throws -> String {
        if let weights { return weights }
        guard let assetName = entry.defaultWeightsAsset, let asset = KnownAsset.named(assetName) else {
            throw ValidationError("\(entry.name) has no installed weights: \(entry.weightsNote)")
        }
        guard let path = asset.find() else {
            throw ValidationError("\(entry.name) weights are not installed; install them with: \(asset.installCommand) (or pass --weights FILE)")
        }
        return path
    }
}
