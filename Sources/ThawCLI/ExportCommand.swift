import ArgumentParser
import Foundation
import ThawBackbones
import ThawBundle
import ThawCore
import ThawONNX
import ThawPredict

/// `thaw export --bundle B --onnx out.onnx`: a bundle's backbone and head as one ONNX graph.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model bundle (backbone + head, or a fine-tuned network) as one ONNX file (opset 17) for ONNX Runtime.",
        discussion: """
            The graph takes what Thaw's preprocessing produces: images as `pixels` float [N, S, S, 3]
            (NHWC, normalised, the bundle's crop size), text as `input_ids` and `attention_mask` int64
            [N, T] (padded to the tokenizer's max length for heads on token taps). It returns `logits` and
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
        let data: Data
        if d.head.type == "finetuned" {
            data = try ONNXExport.finetunedModel(backbone: entry.name, weights: bundle, classes: d.classes, toolVersion: thawVersion)
        } else {
            let backboneWeights = d.kind == .finetuned ? bundle : try BundleRunner.frozenWeights(b, entry: entry, given: weights)
            var tensors: [String: (shape: [Int], values: [Float])] = [:]
            for t in b.file.tensors where t.name.hasPrefix(ModelBundle.headPrefix) { tensors[t.name] = (t.shape, t.floats()) }
            let head = ONNXHeadSpec(tapDType: d.tap.dtype, pooling: d.pooling, type: d.head.type, hidden: d.head.hidden,
                                    activation: d.head.activation, layerNorm: d.head.layerNorm, tensors: tensors)
            data = try ONNXExport.model(backbone: entry.name, weights: backboneWeights, tap: d.tap.name, head: head, classes: d.classes,
                                        toolVersion: thawVersion)
        }
        try ONNXExport.write(data, to: onnx)
        print(String(format: "wrote %@ (%.1f MB): %@ %@, %d classes", onnx, Double(data.count) / 1e6, entry.name,
                     d.head.type == "finetuned" ? "fine-tuned" : "+ \(d.head.type) head on \(d.tap.name)", d.classes.count))
    }
}
