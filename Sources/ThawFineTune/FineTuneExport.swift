import Foundation
import ThawBackbones
import ThawBundle
import ThawCore
import ThawStore
import ThawWeights

/// `thaw finetune --export FILE`: the fine-tuned backbone and classifier as one float32
/// safetensors file under the original checkpoint's key names, loadable wherever that checkpoint is
/// (`thaw extract --weights FILE`, `thaw classify --weights FILE`).
///
/// Every tensor of the original file is copied (float32), except those the model holds, which are
/// written as trained (EfficientNet-Lite BN running statistics included). Keys are written as the
/// loaders name them (`stripPrefixes`, e.g. DataParallel's `module.` or `bert.`, removed).
/// Integer tensors (BN `num_batches_tracked`, BERT `position_ids`) are left out: loaders ignore them.
public enum FineTuneExport {
    /// Metadata `format` of an exported fine-tuned model.
    public static let format = "thaw-finetune-1"

    /// Writes `model` over the checkpoint `original` to `path` atomically. `rename` maps a model key to the export
    /// key (nil: the key as is); `dropped` original keys are not copied (e.g. a classifier the
    /// model replaces under another name). Returns the number of tensors written.
    @discardableResult
    public static func write(_ model: some CheckpointableModel, original: String, stripPrefixes: [String],
                             rename: [String: String] = [:], dropped: Set<String> = [],
                             metadata: [String: String], bundle: BundleDescription? = nil,
                             head: [SafetensorsWriter.Tensor] = [], to path: String) throws -> Int {
        let file = try WeightFile.load(original)
        var trained: [String: TrainableTensor] = [:]
        for t in model.tensors { trained[rename[t.key] ?? t.key] = t }
        var out: [SafetensorsWriter.Tensor] = [], seen = Set<String>()
        for w in file.tensors {
            var name = w.name
            for p in stripPrefixes where name.hasPrefix(p) { name = String(name.dropFirst(p.count)) }
            guard w.dtype.isFloatingPoint, !dropped.contains(name), !seen.contains(name) else { continue }
            seen.insert(name)
            if let t = trained[name] {
                out.append(.init(name: name, shape: t.torchShape, values: t.torchValue))
            } else {
                out.append(.init(name: name, shape: w.shape, values: w.floats()))
            }
        }
        // Tensors the original did not have (a new classifier) are added.
        for (name, t) in trained where !seen.contains(name) {
            out.append(.init(name: name, shape: t.torchShape, values: t.torchValue))
        }
        // A bundle-described export also carries the classifier as a bundle head when the network's own
        // output is not the classifier's (BERT: the classifier reads the pool tap).
        out += head.map { SafetensorsWriter.Tensor(name: ModelBundle.headPrefix + $0.name, shape: $0.shape, values: $0.values) }
        var meta = metadata
        meta["format"] = format
        meta["original_weights"] = original
        if let bundle { meta.merge(ModelBundle.metadata(bundle)) { _, new in new } }
        do {
            try SafetensorsWriter.encode(out, metadata: meta).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FineTuneError("\(path): cannot write the fine-tuned model (\(error.localizedDescription)). "
                                + "Fix: choose a writable --export path with free space")
        }
        return out.count
    }

    /// Files a BERT checkpoint's loaders read beside it (sizes, heads, vocabulary).
    public static let bertCompanions = ["config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]

    /// Copies the `names` found beside `original` next to `path`, so the export loads like the
    /// original (BERT reads config.json and vocab.txt from its folder). An existing file with other
    /// content is an error, never overwritten.
    public static func copyCompanions(of original: String, besides path: String, names: [String]) throws {
        let from = URL(fileURLWithPath: original).deletingLastPathComponent()
        let to = URL(fileURLWithPath: path).deletingLastPathComponent()
        let fm = FileManager.default
        for name in names {
            let src = from.appendingPathComponent(name), dst = to.appendingPathComponent(name)
            guard fm.fileExists(atPath: src.path), src.standardizedFileURL != dst.standardizedFileURL else { continue }
            if fm.fileExists(atPath: dst.path) {
                guard fm.contentsEqual(atPath: src.path, andPath: dst.path) else {
                    throw FineTuneError("\(dst.path): already exists and differs from \(src.path), which the exported model needs beside it. "
                                        + "Fix: export into another folder")
                }
                continue
            }
            do { try fm.copyItem(at: src, to: dst) } catch {
                throw FineTuneError("\(dst.path): cannot copy \(name) beside the export (\(error.localizedDescription)). Fix: choose a writable --export folder")
            }
        }
    }

    /// An image network (EfficientNet-Lite, ResNet, ConvNeXt) fine-tuned from cached maps or raw images: the whole
    /// network, stem to classifier, over the original weight file, as a bundle whose tap is its logits (`fc`).
    public static func writeImageNetwork(_ model: some CheckpointableModel, options o: FineTuneOptions, manifest: Manifest,
                                         classNames: [String], run: String, validationTop1: Double, testTop1: Double?,
                                         to path: String) throws {
        try write(model, original: o.weights, stripPrefixes: (KeyRule.dataParallel + KeyRule.checkpointWrappers).prefixes,
                  metadata: metadata(backbone: manifest.backbone, from: o.from, classNames: classNames),
                  bundle: bundle(manifest, tap: TapName.fc.description, width: classNames.count, head: "finetuned", classes: classNames,
                                 run: run, validationTop1: validationTop1, testTop1: testTop1),
                  to: path)
    }

    /// The bundle description of a fine-tuned network whose own output `tap` (shape `[width]`) is read by
    /// `head` ("finetuned": the tap is the logits; "linear": a head of `head.out.*` tensors).
    public static func bundle(_ manifest: Manifest, tap: String, width: Int, head: String, classes: [String], run: String,
                              validationTop1: Double, testTop1: Double?) -> BundleDescription {
        var metrics = ["val_top1": validationTop1]
        if let testTop1 { metrics["test_top1"] = testTop1 }
        return BundleDescription(kind: .finetuned, backbone: .init(name: manifest.backbone, weightsSHA256: manifest.weightsSHA256, weightsFile: ""),
                                 input: .init(preprocessing: manifest.preprocessing), preprocessing: manifest.preprocessing,
                                 tap: .init(name: tap, dtype: "f32", shape: [width], layout: "C"), pooling: "none",
                                 head: .init(type: head), classes: classes, run: run, cacheFingerprint: manifest.fingerprint,
                                 toolVersion: thawVersion, metrics: metrics)
    }

    /// What a reader of the file needs besides tensors: backbone, boundary, class names (JSON array).
    public static func metadata(backbone: String, from: String, classNames: [String]) -> [String: String] {
        let names = (try? JSONEncoder().encode(classNames)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return ["backbone": backbone, "from": from, "class_names": names]
    }
}

extension [KeyRule] {
    /// The prefixes these rules strip (what `FineTuneExport` removes from original keys).
    var prefixes: [String] { compactMap { if case .stripPrefix(let p) = $0 { return p } else { return nil } } }
}
