import ArgumentParser
import Foundation
import ThawBundle

/// `thaw bundle inspect`: what a model bundle holds.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Inspect model bundles (written by fit --export, sweep --export-best, finetune --export).",
        subcommands: [Inspect.self])

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
}
