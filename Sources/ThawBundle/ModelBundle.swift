import Foundation
import ThawCore
import ThawWeights

/// A model bundle (docs/bundle-format.md): one safetensors file that takes a raw input to class
/// probabilities. Reading validates everything a runner relies on, so a damaged or hand-edited
/// file is an error naming the file, never a trap.
public struct ModelBundle: @unchecked Sendable {
    /// Metadata `format` of this version.
    public static let format = "thaw-bundle-1"
    /// Prefix of the head's tensors.
    public static let headPrefix = "head."

    public let path: String
    public let description: BundleDescription
    /// Every tensor of the file (a `finetuned` bundle holds the network's).
    public let file: WeightFile
    /// Widths of the head (for `head` bundles; `finetuned` ones read their classifier output as a vector).
    public let geometry: BundleGeometry

    /// Reads and checks a bundle.
    public static func read(_ path: String) throws -> ModelBundle {
        let file: WeightFile
        do { file = try WeightFile.load(path) } catch let e as FileError {
            throw FileError(file: path, problem: "is not a readable model bundle (\(e.problem))",
                            fix: "write it again with `thaw fit --export`, `thaw sweep --export-best` or `thaw finetune --export`")
        }
        func bad(_ problem: String) -> FileError {
            FileError(file: path, problem: problem,
                      fix: "write the bundle again with the Thaw that reads it (`thaw fit --export FILE`)")
        }
        guard file.format == .safetensors else { throw bad("is a \(file.format.rawValue) file, not a model bundle (a bundle is safetensors)") }
        guard let format = file.metadata["format"] else {
            throw FileError(file: path, problem: "is a safetensors file without Thaw bundle metadata",
                            fix: "pass a bundle written by `thaw fit --export`, `thaw sweep --export-best` or `thaw finetune --export`; plain weights go to `--weights`")
        }
        guard format == Self.format else { throw bad("has bundle format \"\(format)\"; this Thaw reads \"\(Self.format)\"") }
        guard let text = file.metadata["bundle"] else { throw bad("has no `bundle` description in its metadata") }
        let d: BundleDescription
        do { d = try JSONDecoder().decode(BundleDescription.self, from: Data(text.utf8)) } catch {
            throw bad("has a `bundle` description that does not parse (\(Self.reason(error)))")
        }
        guard ["f32", "f16", "bf16"].contains(d.tap.dtype) else { throw bad("tap dtype \"\(d.tap.dtype)\" is not f32, f16 or bf16") }
        guard let geometry = BundleGeometry(tap: d.tap, pooling: d.pooling) else {
            throw bad("tap \(d.tap.name) shape \(d.tap.shape) (\(d.tap.layout)) does not fit pooling \"\(d.pooling)\"")
        }
        guard d.classes.count >= 2 else { throw bad("names \(d.classes.count) classes; a classifier needs at least 2") }
        guard Set(d.classes).count == d.classes.count else { throw bad("names a class twice") }
        guard d.preprocessing.utf8.count < 1 << 16, !d.backbone.name.isEmpty else { throw bad("has an empty backbone name or an oversized preprocessing text") }
        let bundle = ModelBundle(path: path, description: d, file: file, geometry: geometry)
        switch d.kind {
        case .head: try bundle.checkHead(bad)
        case .finetuned:
            // The network's own output is the logits ("finetuned"), or a linear head reads it (BERT: the pool tap).
            guard ["finetuned", "linear"].contains(d.head.type) else { throw bad("is a fine-tuned bundle with head type \"\(d.head.type)\"") }
            guard d.pooling == "none" else { throw bad("is a fine-tuned bundle with pooling \"\(d.pooling)\"; its classifier output takes none") }
            if d.head.type == "linear" { try bundle.checkHead(bad) }
        }
        return bundle
    }

    private init(path: String, description: BundleDescription, file: WeightFile, geometry: BundleGeometry) {
        self.path = path; self.description = description; self.file = file; self.geometry = geometry
    }

    /// The head's tensors and shapes the description implies, in forward order (names without `head.`).
    public static func headLayout(_ d: BundleDescription, geometry: BundleGeometry) -> [(name: String, shape: [Int])] {
        var out: [(String, [Int])] = []
        var width = geometry.inputWidth
        for (i, h) in d.head.hidden.enumerated() {
            out += [("fc\(i + 1).weight", [h, width]), ("fc\(i + 1).bias", [h])]
            if d.head.layerNorm { out += [("ln\(i + 1).weight", [h]), ("ln\(i + 1).bias", [h])] }
            width = h
        }
        out += [("out.weight", [d.classes.count, width]), ("out.bias", [d.classes.count])]
        if d.pooling == "gem" { out.append(("gem.p", [1])) }
        return out
    }

    private func checkHead(_ bad: (String) -> FileError) throws {
        let d = description
        switch d.head.type {
        case "linear", "logistic":
            guard d.head.hidden.isEmpty else { throw bad("a \(d.head.type) head has hidden layers \(d.head.hidden)") }
        case "mlp":
            guard (1...2).contains(d.head.hidden.count), d.head.hidden.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }) else {
                throw bad("an MLP head needs 1 or 2 hidden widths in 1...65536, not \(d.head.hidden)")
            }
        default: throw bad("head type \"\(d.head.type)\" is not linear, mlp or logistic")
        }
        guard ["relu", "gelu"].contains(d.head.activation) else { throw bad("activation \"\(d.head.activation)\" is not relu or gelu") }
        if d.head.type == "logistic" && d.pooling == "gem" { throw bad("a logistic-regression head cannot use gem pooling") }
        let layout = Self.headLayout(d, geometry: geometry)
        let present = Set(file.tensors.map(\.name).filter { $0.hasPrefix(Self.headPrefix) })
        let expected = Set(layout.map { Self.headPrefix + $0.name })
        if let extra = present.subtracting(expected).sorted().first { throw bad("holds \(extra), which its head does not use") }
        for (name, shape) in layout {
            guard let t = file[Self.headPrefix + name] else { throw bad("lacks the tensor \(Self.headPrefix + name)") }
            guard t.shape == shape else { throw bad("tensor \(Self.headPrefix + name) has shape \(t.shape), expected \(shape)") }
            guard t.dtype.isFloatingPoint else { throw bad("tensor \(Self.headPrefix + name) is \(t.dtype.rawValue), not floating point") }
            if t.floats().contains(where: { !$0.isFinite }) {
                throw FileError(file: path, problem: "tensor \(Self.headPrefix + name) holds NaN or infinite values",
                                fix: "the head diverged when it was trained: train it again with a lower learning rate")
            }
        }
    }

    /// The head's parameters keyed as `ThawHeads.StackedHeads.state(head:)` names them ("fc1.weight", "out.bias", "gem.p").
    public func headState() -> [String: [Float]] {
        var state: [String: [Float]] = [:]
        for (name, _) in Self.headLayout(description, geometry: geometry) {
            state[name] = file[Self.headPrefix + name]!.floats()
        }
        return state
    }

    /// Writes a `head` bundle atomically: `head` tensors are named as `StackedHeads.state(head:)` names them.
    public static func writeHead(_ d: BundleDescription, head: [SafetensorsWriter.Tensor], to path: String) throws {
        precondition(d.kind == .head, "writeHead: a head bundle")
        let tensors = head.map { SafetensorsWriter.Tensor(name: headPrefix + $0.name, shape: $0.shape, values: $0.values) }
        try SafetensorsWriter.write(tensors, metadata: metadata(d), to: path)
    }

    /// The `__metadata__` of a bundle.
    public static func metadata(_ d: BundleDescription) -> [String: String] {
        ["format": format, "bundle": d.encodedJSON()]
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            return "field \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default: return "\(error)"
        }
    }
}
