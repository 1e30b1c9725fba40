import Foundation
import ThawStore

/// Runs an exported model in ONNX Runtime through run_onnx.py (beside this file) and reads the
/// outputs back. A missing python3, onnx or onnxruntime is an error with the install command.
enum ONNXRuntimeRunner {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// One input: float32 or int64 values of `shape`.
    enum Input {
        case float([Float], shape: [Int])
        case int64([Int64], shape: [Int])
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("run_onnx.py").path
    }

    /// Writes `model` and the inputs to a temporary folder, runs ONNX Runtime, returns every
    /// output by name as (shape, values).
    static func run(model: Data, inputs: [String: Input]) throws -> [String: (shape: [Int], values: [Float])] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let modelPath = dir.appendingPathComponent("model.onnx").path
        try model.write(to: URL(fileURLWithPath: modelPath))
        var arguments = [script, modelPath, dir.path]
        for (name, input) in inputs.sorted(by: { $0.key < $1.key }) {
            let path = dir.appendingPathComponent("in_\(name).npy").path
            switch input {
            case .float(let values, let shape):
                let w = try NPYWriter(path: path, descr: "<f4", itemSize: 4, shape: shape)
                try values.withUnsafeBytes { try w.write($0) }
                try w.close()
            case .int64(let values, let shape):
                let w = try NPYWriter(path: path, descr: "<i8", itemSize: 8, shape: shape)
                try values.withUnsafeBytes { try w.write($0) }
                try w.close()
            }
            arguments.append("\(name)=\(path)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        let errors = Pipe(), output = Pipe()
        p.standardError = errors
        p.standardOutput = output
        try p.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let outputText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "ONNX Runtime run failed (exit \(p.terminationStatus)): \(errorText.suffix(3000))"
                          + "\nIf onnx or onnxruntime is missing: pip install onnx==1.23.2 onnxruntime==1.32.0")
        }
        print(outputText.trimmingCharacters(in: .whitespacesAndNewlines))
        var results: [String: (shape: [Int], values: [Float])] = [:]
        for name in ["logits", "probabilities"] {
            results[name] = try readNPYFloat32(dir.appendingPathComponent(name + ".npy").path)
        }
        return results
    }

    /// A little-endian float32 C-order .npy (what run_onnx.py writes).
    static func readNPYFloat32(_ path: String) throws -> (shape: [Int], values: [Float]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard data.count > 10, data.prefix(6) == Data([0x93] + Array("NUMPY".utf8)) else {
            throw Failure(description: "\(path): not a .npy file")
        }
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10..<10 + headerLength], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header.range(of: ")", range: open.upperBound..<header.endIndex) else {
            throw Failure(description: "\(path): expected a C-order <f4 array, header \(header)")
        }
        let shape = header[open.upperBound..<close.lowerBound].split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = data[(10 + headerLength)...]
        guard body.count == shape.reduce(1, *) * 4 else {
            throw Failure(description: "\(path): \(body.count) data bytes for shape \(shape)")
        }
        let values = body.withUnsafeBytes { raw in (0..<body.count / 4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
        return (shape, values)
    }
}
