import ArgumentParser
import Foundation
import ThawAssets
import ThawBackbones

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the architectures Thaw can run: family, input, cut points, and where the weights come from.",
        discussion: "Cut points are read from a loaded instance when the default weights are installed, else from the architecture.")

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    struct Report: Encodable {
        struct Input: Encodable { var kind: String; var preset: String?; var resize, size, maxLength: Int? }
        struct Weights: Encodable { var asset: String?; var installedPath: String?; var install: String?; var note: String }
        struct Model: Encodable {
            var name, family: String
            var input: Input
            var cutPoints: [CutPoint]?
            var cutPointsNote: String?
            /// The default fine-tuning boundary (`thaw extract` stores it; `thaw finetune` starts there).
            var fineTuneBoundary: String
            var weights: Weights
        }
        var models: [Model]
    }

    func run() throws {
        var models: [Report.Model] = []
        for entry in ModelCatalog.all {
            let asset = entry.defaultWeightsAsset.flatMap { KnownAsset.named($0) }
            let installed = asset?.find()
            var cuts: [CutPoint]? = nil
            var note: String? = nil
            if let installed {
                do { cuts = try entry.load(installed).cutPoints } catch { note = "weights did not load: \(error)" }
            }
            if cuts == nil { (cuts, note) = Self.staticCutPoints(entry, fallbackNote: note) }
            models.append(Report.Model(
                name: entry.name, family: entry.family.rawValue, input: Self.describe(entry.input), cutPoints: cuts, cutPointsNote: note,
                fineTuneBoundary: entry.architecture.fineTuneBoundaryText,
                weights: .init(asset: entry.defaultWeightsAsset, installedPath: installed,
                               install: installed == nil ? asset?.installCommand : nil, note: entry.weightsNote)))
        }
        if json { try printJSON(Report(models: models)); return }
        for m in models {
            let input = m.input.kind == "image"
                ? "image \(m.input.size!)×\(m.input.size!) (\(m.input.preset!), resize \(m.input.resize!))"
                : "text, ≤ \(m.input.maxLength!) tokens"
            print("\(m.name)  [\(m.family)]  \(input)")
            let listed = m.cutPoints.map { $0.map { "\($0.name) (\($0.layout))" }.joined(separator: ", ") }
            print("  cut points: " + [listed, m.cutPointsNote.map { listed == nil ? $0 : "(\($0))" }].compactMap { $0 }.joined(separator: " "))
            print("  fine-tuning boundary: \(m.fineTuneBoundary)")
            if let path = m.weights.installedPath {
                print("  weights: installed at \(path)")
            } else if let install = m.weights.install {
                print("  weights: not installed; \(install)")
            } else {
                print("  weights: \(m.weights.note)")
            }
        }
    }

    static func describe(_ input: ModelInput) -> Report.Input {
        switch input {
        case .image(let preset, let resize, let size): return .init(kind: "image", preset: preset, resize: resize, size: size)
        case .text(let maxLength): return .init(kind: "text", maxLength: maxLength)
        }
    }

    /// Cut points known from the architecture alone, for families whose shape needs no weights.
    static func staticCutPoints(_ entry: ModelEntry, fallbackNote: String?) -> ([CutPoint]?, String?) {
        switch entry.architecture {
        case .resNet:
            return (ResNet.cutPoints(classifier: true), "fc only when the weights hold a classifier")
        case .mobileNetV2:
            return (MobileNetV2.cutPointNames, fallbackNote)
        case .vit:
            return (nil, fallbackNote ?? "embeddings (TC), blocks.0 … blocks.{L−1} (TC, L = 12), cls (C), pool (C; 2C = cls ⊕ patch mean for DINOv2; the projection for CLIP)")
        case .convNeXt:
            return ((["stem"] + (0..<4).map { "stages.\($0)" }).map { CutPoint(name: $0, layout: "HWC") } + [CutPoint(name: "pool", layout: "C")],
                    "fc too when the weights hold a classifier")
        case .efficientNetLite(let v):
            return (EfficientNetLite.cutPoints(variant: v), fallbackNote)
        case .bert(let c?):
            return (BertBackbone.cutPoints(layers: c.layers), fallbackNote)
        case .bert(nil), .mpnet(nil):
            return (nil, fallbackNote ?? "embeddings (TC), layer.0 … layer.{L−1} (TC), pool (C); L is read from the weights")
        case .mpnet(let c?):
            return (BertBackbone.cutPoints(layers: c.layers), fallbackNote)
        }
    }
}
