import ArgumentParser
import Foundation
import ThawCore
import ThawWeights

struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Read pretrained weight files (.safetensors, PyTorch .pth/.pt in zip or legacy format).",
        subcommands: [Inspect.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every tensor of a weight file: name, dtype, shape, parameter count.",
            discussion: "The format is detected from the content, not the extension. Nested PyTorch dicts are flattened with dots.")

        @Argument(help: "A .safetensors file or a PyTorch .pth/.pt/.bin file.")
        var file: String

        @Flag(help: "Print one JSON object instead of a table.")
        var json = false

        struct Report: Encodable {
            struct Tensor: Encodable { var name, dtype: String; var shape: [Int]; var parameters: Int }
            var file, format: String
            var tensorCount, totalParameters, floatParameters: Int
            var tensors: [Tensor]
            var metadata: [String: String]
        }

        func run() throws {
            let weights = try WeightFile.load(file)  // a FileError prints as "file: problem. fix"
            let tensors = weights.tensors.map {
                Report.Tensor(name: $0.name, dtype: $0.dtype.torchName, shape: $0.shape, parameters: $0.elementCount)
            }
            let floatCount = weights.tensors.filter(\.dtype.isFloatingPoint).reduce(0) { $0 + $1.elementCount }
            let report = Report(file: file, format: weights.format.rawValue, tensorCount: tensors.count,
                                totalParameters: weights.parameterCount, floatParameters: floatCount,
                                tensors: tensors, metadata: weights.metadata)
            if json { try printJSON(report); return }

            print("\(file): \(report.format), \(report.tensorCount) tensors")
            let nameWidth = min(60, tensors.map(\.name.count).max() ?? 4)
            for t in tensors {
                let shape = "[" + t.shape.map(String.init).joined(separator: ", ") + "]"
                print(t.name.padding(toLength: max(nameWidth, t.name.count), withPad: " ", startingAt: 0),
                      t.dtype.padding(toLength: 8, withPad: " ", startingAt: 0),
                      shape.padding(toLength: max(18, shape.count), withPad: " ", startingAt: 0),
                      t.parameters)
            }
            print("total parameters: \(report.totalParameters) (floating point: \(report.floatParameters))")
            for (k, v) in weights.metadata.sorted(by: { $0.key < $1.key }) { print("metadata \(k): \(v)") }
        }
    }
}
