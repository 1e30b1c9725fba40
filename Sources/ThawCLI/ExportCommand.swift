import ArgumentParser
import Foundation
import ThawBackbones
import ThawBundle
import ThawCore
import ThawInputs
import ThawONNX
import ThawPredict

/// `thaw export --bundle B --onnx out.onnx`: a bundle's backbone and head as one ONNX graph.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model bundle (backbone + head, or a fine-tuned network) as one ONNX file (opset 17) for ONNX Runtime.",
        discussion: """
            The graph takes what Thaw's preprocessing produces: images as `pixels` float [N, S, S, 3]
            (NHWC, normalised; S is the crop the cache was extracted at, e.g. 160 after `thaw extract
            --image-size 160`), text as `input_ids` and `attention_mask` int64 [N, T] (padded to the cache's
            token length, `thaw extract --max-tokens`, for heads on token taps). It returns `logits` and
            `probabilities` [N, K]; class names are in the model metadata (docs/onnx-export.md).
              thaw export --bundle head.safetensors --onnx head.onnx
              thaw export --bundle finetuned.safetensors --onnx finetuned.onnx
            """)

    @Option(help: "Model bundle from fit --export, sweep --export-best or finetune --export.") var bundle: String
    @Option(help: "Weight file of the frozen backbone (head bundles; default: the installed weights, checked by SHA-256).")
    var weights: String?
    @Option(help: "Output .onnx file (written to a temporary name, then renamed).") var onnx: String

    func run() throws {
        let b = try ModelBundle.read(bundle)
        let d = b.description
        let entry = try ModelCatalog.named(d.backbone.name)
        let (imageSize, textLength) = try inputSize(d)
        let data: Data
        if d.head.type == "finetuned" {
            data = try ONNXExport.finetunedModel(backbone: entry.name, weights: bundle, classes: d.classes, imageSize: imageSize,
                                                 toolVersion: thawVersion)
        } else {
            let backboneWeights = d.kind == .finetuned ? bundle : try BundleRunner.frozenWeights(b, entry: entry, given: weights)
            var tensors: [String: (shape: [Int], values: [Float])] = [:]
            for t in b.file.tensors where t.name.hasPrefix(ModelBundle.headPrefix) { tensors[t.name] = (t.shape, t.floats()) }
            let head = ONNXHeadSpec(tapDType: d.tap.dtype, pooling: d.pooling, type: d.head.type, hidden: d.head.hidden,
                                    activation: d.head.activation, layerNorm: d.head.layerNorm, tensors: tensors)
            data = try ONNXExport.model(backbone: entry.name, weights: backboneWeights, tap: d.tap.name, head: head, classes: d.classes,
                                        imageSize: imageSize, textLength: textLength, toolVersion: thawVersion)
        }
        try ONNXExport.write(data, to: onnx)
        // Heads on token taps pool over every cached position: their graph takes exactly the cache's T.
        let input = imageSize.map { "pixels [N, \($0), \($0), 3]" }
            ?? textLength.map { d.tap.layout == "TC" ? "input_ids [N, \($0)]" : "input_ids [N, T ≤ \($0)]" } ?? ""
        print(String(format: "wrote %@ (%.1f MB): %@ %@, %d classes, %@", onnx, Double(data.count) / 1e6, entry.name,
                     d.head.type == "finetuned" ? "fine-tuned" : "+ \(d.head.type) head on \(d.tap.name)", d.classes.count, input))
    }

    /// The crop (images) or token length (text) the bundle's cache was extracted with, from its preprocessing text:
    /// the graph takes exactly what `thaw predict` feeds the backbone.
    func inputSize(_ d: BundleDescription) throws -> (imageSize: Int?, textLength: Int?) {
        let fix = "write the bundle again with `thaw fit --export` or `thaw finetune --export`"
        switch d.input {
        case .image:
            guard let p = Preprocessing(manifestText: d.preprocessing) else {
                throw ValidationError("\(bundle): its image preprocessing does not parse (\(d.preprocessing.prefix(80))). Fix: \(fix)")
            }
            return (p.crop, nil)
        case .text:
            let object = (try? JSONSerialization.jsonObject(with: Data(d.preprocessing.utf8))) as? [String: Any]
            guard let length = (object?["maxLength"] as? String).flatMap(Int.init), length >= 2 else {
                throw ValidationError("\(bundle): its text preprocessing has no maxLength ≥ 2. Fix: \(fix)")
            }
            return (nil, length)
        }
    }
}
