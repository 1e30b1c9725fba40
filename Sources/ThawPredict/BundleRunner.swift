import Foundation
import ThawAssets
import ThawBackbones
import ThawBundle
import ThawCore
import ThawKernels

/// A bundle ready to run: its backbone loaded (and checked against the recorded SHA-256), its
/// input preparation, and its head. Produces logits [n, classes] from prepared inputs or from
/// cached tap features.
public final class BundleRunner {
    public let bundle: ModelBundle
    public let backbone: any Backbone
    public let input: BundleInput
    /// The bundle's head; nil when the network's own output is the logits (head type "finetuned").
    public let head: BundleHead?
    /// The weight file the backbone was loaded from.
    public let weightsPath: String
    public var classes: Int { bundle.description.classes.count }

    /// Loads the backbone: a `finetuned` bundle holds its own weights; a `head` bundle's come from
    /// `weights` or the model's installed asset, and must have the SHA-256 the cache was extracted with.
    public init(_ bundle: ModelBundle, weights: String? = nil) throws {
        let d = bundle.description
        self.bundle = bundle
        let entry: ModelEntry
        do { entry = try ModelCatalog.named(d.backbone.name) } catch {
            throw PredictError(file: bundle.path, problem: "names the backbone \"\(d.backbone.name)\", which this Thaw does not know",
                               fix: "use a Thaw that has it (`thaw models` lists the known ones)")
        }
        switch (entry.input, d.input) {
        case (.image, .image), (.text, .text): break
        default:
            throw PredictError(file: bundle.path, problem: "says its input is \(d.input.rawValue), but \(entry.name) takes the other kind",
                               fix: "write the bundle again with `thaw fit --export`")
        }
        switch d.kind {
        case .finetuned:
            weightsPath = bundle.path
        case .head:
            weightsPath = try Self.frozenWeights(bundle, entry: entry, given: weights)
        }
        do { backbone = try entry.load(weightsPath) } catch {
            throw PredictError(file: weightsPath, problem: "cannot be loaded as \(entry.name) (\(error))",
                               fix: d.kind == .head ? "pass the weight file the cache was extracted with (--weights FILE)"
                                                     : "export the fine-tuned model again with `thaw finetune --export`")
        }
        let cut = try backbone.cutIndex(d.tap.name)
        guard backbone.cutPoints[cut].layout == d.tap.layout else {
            throw PredictError(file: bundle.path, problem: "reads tap \(d.tap.name) as \(d.tap.layout), but \(entry.name) gives \(backbone.cutPoints[cut].layout)",
                               fix: "write the bundle again with `thaw fit --export`")
        }
        input = try BundleInput.from(bundle, tokenizerFolder: URL(fileURLWithPath: weightsPath).deletingLastPathComponent())
        head = d.head.type == "finetuned" ? nil : BundleHead(bundle)
    }

    /// Per-sample input shape: [crop, crop, 3] or [maxLength].
    public var inputShape: [Int] {
        switch input {
        case .image(let p): return p.outputShape
        case .text(let t): return [t.maxLength]
        }
    }

    /// Logits [n, classes] of a prepared batch (pixels [n, crop, crop, 3], or token ids [n, T] with mask).
    public func logits(_ x: Activations, count n: Int) throws -> [Float] {
        let d = bundle.description
        let out = try backbone.forward(x, from: nil, taps: [d.tap.name])
        guard let t = out[d.tap.name] else { throw BackboneError("\(backbone.name) returned no \(d.tap.name)") }
        return try logits(tap: t.tensor.data, count: n)
    }

    /// Logits [n, classes] of the tap's features [n, tap elements] (as a cache stores them).
    public func logits(tap features: [Float], count n: Int) throws -> [Float] {
        let d = bundle.description
        let width = d.tap.shape.reduce(1, *)
        guard features.count == n * width else {
            throw BackboneError("\(backbone.name): tap \(d.tap.name) gave \(features.count) values for \(n) samples of \(d.tap.shape)")
        }
        if let head { return head.logits(features, count: n) }
        guard width == classes else {
            throw PredictError(file: bundle.path, problem: "its network's \(d.tap.name) output has \(width) values but it names \(classes) classes",
                               fix: "export the fine-tuned model again with `thaw finetune --export`")
        }
        return features
    }

    /// Logits of a fine-tuned network run from cached maps at `from` (features [n, from's elements]).
    public func logits(from cut: String, maps: [Float], shape: [Int], count n: Int) throws -> [Float] {
        let d = bundle.description
        let out = try backbone.forward(Activations(tensor: Tensor(shape: [n] + shape, data: maps)), from: cut, taps: [d.tap.name])
        guard let t = out[d.tap.name] else { throw BackboneError("\(backbone.name) returned no \(d.tap.name)") }
        return try logits(tap: t.tensor.data, count: n)
    }

    /// The frozen backbone's weight file: `given`, or the installed asset; its SHA-256 must be the recorded one.
    public static func frozenWeights(_ bundle: ModelBundle, entry: ModelEntry, given: String?) throws -> String {
        let expected = bundle.description.backbone.weightsSHA256
        let hint = bundle.description.backbone.weightsFile.isEmpty ? "" : " (\(bundle.description.backbone.weightsFile))"
        let path: String
        if let given {
            path = given
        } else {
            guard let name = entry.defaultWeightsAsset, let asset = KnownAsset.named(name) else {
                throw PredictError(file: bundle.path, problem: "needs the \(entry.name) weights with SHA-256 \(expected)\(hint), and \(entry.name) has none installed by default",
                                   fix: "pass that file with --weights FILE (\(entry.weightsNote))")
            }
            guard let found = asset.find() else {
                throw PredictError(file: bundle.path, problem: "needs the \(entry.name) weights with SHA-256 \(expected)\(hint), which are not installed",
                                   fix: "\(asset.installCommand), or pass the file with --weights FILE")
            }
            path = found
        }
        let actual: String
        do { actual = try SHA256.hex(ofFile: path) } catch {
            throw PredictError(file: path, problem: "cannot be read (\(error))", fix: "check the --weights path")
        }
        guard actual == expected else {
            throw PredictError(file: path, problem: "has SHA-256 \(actual), but the bundle's head was trained on features of \(entry.name) weights with SHA-256 \(expected)\(hint)",
                               fix: "pass the weight file the cache was extracted with (--weights FILE); other weights give other features")
        }
        return path
    }
}
