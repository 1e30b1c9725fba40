import Foundation
import ThawBackbones
import ThawWeights

/// Writes a Thaw model — frozen backbone cut at a tap plus a trained head, or a fine-tuned
/// network with its own classifier — as one ONNX graph (IR 8, opset 17) that ONNX Runtime runs
/// with the probabilities Thaw computes (within 1e-4; checked by ThawONNXTests).
///
/// Inputs: images `pixels` float [N, S, S, 3], exactly what Thaw's preprocessor produces for the
/// bundle's preset (NHWC, normalised, S = the crop the cache was extracted at: `imageSize`, else the
/// model's own); text `input_ids` and `attention_mask` int64 [N, T] (WordPiece ids from the model's
/// vocab.txt, mask 1 = token; T is free, except for heads on token taps: padded to the cache's token
/// length `textLength` — `thaw extract --max-tokens`, else the model's maximum — as the cache).
/// Outputs: `logits` and `probabilities` (softmax) float [N, K]. The class names are in the
/// model's metadata (`classes`, a JSON array), with the backbone, tap and pooling.
public enum ONNXExport {
    /// Backbone `backbone` (a `ModelCatalog` name) from `weights`, cut at `tap`, then `head`.
    /// `imageSize` / `textLength`: the crop or token length the cache was extracted with (nil: the model's own).
    public static func model(backbone: String, weights: String, tap: String, head: ONNXHeadSpec,
                             classes: [String], imageSize: Int? = nil, textLength: Int? = nil,
                             toolVersion: String = "") throws -> Data {
        let g = ONNXGraphBuilder()
        let (entry, cut) = try backboneGraph(g, backbone: backbone, weights: weights, tap: tap, l2Normalize: true, imageSize: imageSize)
        guard !classes.isEmpty else {
            throw ONNXError("no class names were given", fix: "pass the bundle's class names (logit i is class i)")
        }
        if case .tokens = cut.layout, case .text(let maxLength) = entry.input {
            // Token taps are cached padded to the cache's token length, and the head pools over
            // all T positions: the graph takes exactly that T, so other paddings fail loudly.
            let length = textLength ?? maxLength
            g.inputs = g.inputs.map { ONNXValueInfo(name: $0.name, elementType: $0.elementType, shape: [$0.shape[0], .fixed(length)]) }
        }
        let logits = try HeadGraph.build(g, tap: cut, head: head, classCount: classes.count)
        return finish(g, entry: entry, logits: logits, classes: classes, toolVersion: toolVersion, metadata: [
            "tap": tap, "tap_dtype": head.tapDType, "pooling": head.pooling, "head": head.type,
        ])
    }

    /// A fine-tuned network and its own classifier (`fc` for CNNs; for BERT the mean-pooled
    /// tokens, L2-normalised when `l2Normalize` (`thaw finetune --l2`), then `classifier`).
    /// `imageSize`: the crop the cache was extracted at (nil: the model's own).
    public static func finetunedModel(backbone: String, weights: String, classes: [String], l2Normalize: Bool = false,
                                      imageSize: Int? = nil, toolVersion: String = "") throws -> Data {
        let g = ONNXGraphBuilder()
        let entry = try ModelCatalog.named(backbone)
        let isText = entry.family == .bert || entry.family == .mpnet
        let tap = (isText ? TapName.logits : .fc).description
        let (_, cut) = try backboneGraph(g, backbone: backbone, weights: weights, tap: tap, l2Normalize: l2Normalize, imageSize: imageSize)
        guard cut.channels == classes.count else {
            throw ONNXError("\(weights): the network's classifier has \(cut.channels) outputs but \(classes.count) class names were given",
                            fix: "pass the class names the network was fine-tuned on, in logit order")
        }
        return finish(g, entry: entry, logits: cut.value, classes: classes, toolVersion: toolVersion, metadata: [
            "tap": tap, "head": "finetuned",
            "pooling": isText ? (l2Normalize ? "mean-l2" : "mean") : entry.family == .vit ? "vit-pool" : "avg",
        ])
    }

    /// Writes `data` to `path` through a temporary file in the same folder, then renames it over
    /// `path` in one step: an interrupted export leaves no partial .onnx behind.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial")
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ONNXError("\(path): cannot be written (\(error.localizedDescription))",
                            fix: "check that the folder exists, is writable and has free space")
        }
        guard rename(temporary.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ONNXError("\(path): cannot be replaced (\(reason))", fix: "check that the path is not a folder and the folder is writable")
        }
    }

    // MARK: - Assembly

    /// Declares the inputs and emits the backbone up to `tap`; image graphs take `imageSize`² pixels (nil: the model's crop).
    static func backboneGraph(_ g: ONNXGraphBuilder, backbone: String, weights: String, tap: String,
                              l2Normalize: Bool, imageSize: Int? = nil) throws -> (ModelEntry, GraphTap) {
        let entry: ModelEntry
        do { entry = try ModelCatalog.named(backbone) } catch {
            throw ONNXError("\(error)", fix: "use a backbone name from `thaw models`")
        }
        if let imageSize, !(8...4096).contains(imageSize) {
            throw ONNXError("image size \(imageSize) is outside 8…4096", fix: "export a bundle from a cache extracted with --image-size 8…4096")
        }
        let batch = ONNXDimension.symbolic("N")
        switch (entry.architecture, entry.input.withCrop(imageSize)) {
        case (.efficientNetLite(let variant), .image(_, _, let size)):
            g.inputs = [ONNXValueInfo(name: "pixels", elementType: .float, shape: [batch, .fixed(size), .fixed(size), .fixed(3)])]
            let file = try WeightFile.load(weights)
            return (entry, try EfficientNetLiteGraph.build(g, variant: variant, file: file, imageSize: size, pixels: "pixels", cut: tap))
        case (.mobileNetV2, .image(_, _, let size)):
            g.inputs = [ONNXValueInfo(name: "pixels", elementType: .float, shape: [batch, .fixed(size), .fixed(size), .fixed(3)])]
            return (entry, try MobileNetV2Graph.build(g, file: try WeightFile.load(weights), imageSize: size, pixels: "pixels", cut: tap))
        case (.resNet(let depth), .image(_, _, let size)):
            g.inputs = [ONNXValueInfo(name: "pixels", elementType: .float, shape: [batch, .fixed(size), .fixed(size), .fixed(3)])]
            let file = try WeightFile.load(weights)
            return (entry, try ResNetGraph.build(g, depth: depth, file: file, imageSize: size, pixels: "pixels", cut: tap))
        case (.convNeXt, .image(_, _, let size)):
            g.inputs = [ONNXValueInfo(name: "pixels", elementType: .float, shape: [batch, .fixed(size), .fixed(size), .fixed(3)])]
            return (entry, try ConvNeXtGraph.build(g, file: try WeightFile.load(weights), imageSize: size, pixels: "pixels", cut: tap))
        case (.bert(let known), .text), (.mpnet(let known), .text):
            g.inputs = ["input_ids", "attention_mask"].map {
                ONNXValueInfo(name: $0, elementType: .int64, shape: [batch, .symbolic("T")])
            }
            let path = try WeightFolder.weightFile(weights)
            let file = try WeightFile.load(path)
            // The configuration Thaw's catalog loads the model with.
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            let cfg = try known ?? BertBackbone.inferConfiguration(file, configFile: folder.appendingPathComponent("config.json"))
            guard cfg.flavor == (entry.family == .mpnet ? .mpnet : .bert) else {
                throw ONNXError("\(path): a\(cfg.flavor == .mpnet ? "n" : "") \(cfg.flavor.rawValue) checkpoint, but the bundle names \(entry.name)",
                                fix: "export with the backbone the weights belong to")
            }
            return (entry, try BertGraph.build(g, configuration: cfg, file: file, inputIDs: "input_ids",
                                               attentionMask: "attention_mask", cut: tap, l2Normalize: l2Normalize))
        case (.vit, .image(_, _, let size)):
            g.inputs = [ONNXValueInfo(name: "pixels", elementType: .float, shape: [batch, .fixed(size), .fixed(size), .fixed(3)])]
            guard let vit = try entry.load(weights) as? ViT else { throw ONNXError("\(weights): not a ViT", fix: "pass the ViT's weights") }
            return (entry, try ViTGraph.build(g, vit: vit, weights: weights, imageSize: size, pixels: "pixels", cut: tap))
        default:
            throw ONNXError("ONNX export does not know the \(entry.family.rawValue) family (\(entry.name))",
                            fix: "export an EfficientNet-Lite, MobileNetV2, ResNet, ConvNeXt, BERT, MPNet or ViT model")
        }
    }

    /// Adds Softmax and the outputs, serialises the model.
    static func finish(_ g: ONNXGraphBuilder, entry: ModelEntry, logits: String, classes: [String], toolVersion: String,
                       metadata: [String: String]) -> Data {
        let identity = g.op("Identity", [logits], "logits")
        let probabilities = g.softmax(identity, axis: 1, "probabilities")
        precondition(identity == "logits" && probabilities == "probabilities", "ONNXExport: output names must be free")
        let k = ONNXDimension.fixed(classes.count)
        g.outputs = [ONNXValueInfo(name: "logits", elementType: .float, shape: [.symbolic("N"), k]),
                     ONNXValueInfo(name: "probabilities", elementType: .float, shape: [.symbolic("N"), k])]
        let classesJSON = (try? JSONSerialization.data(withJSONObject: classes)).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
        var props = metadata.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        props.insert((key: "backbone", value: entry.name), at: 0)
        props.append((key: "classes", value: classesJSON))
        let model = ONNXModelProto(graph: g.proto(name: "thaw-\(entry.name)", docString: "Thaw \(entry.name): inputs as Thaw preprocesses them"),
                                   producerVersion: toolVersion, metadata: props)
        return model.serialized()
    }
}

extension ModelInput {
    /// The same input at crop `crop` (nil, or a text input: unchanged): a cache extracted with `--image-size`.
    func withCrop(_ crop: Int?) -> ModelInput {
        guard let crop, case .image(let preset, let resize, _) = self else { return self }
        return .image(preset: preset, resize: resize, size: crop)
    }
}
