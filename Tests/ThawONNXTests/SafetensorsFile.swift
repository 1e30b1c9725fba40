import Foundation

/// Writes F32 tensors as a safetensors file (u64 LE header length, JSON header, data): the
/// checkpoints the ResNet and fine-tuned BERT export tests build. ThawWeights reads them back
/// exactly as it reads user files.
enum SafetensorsFile {
    static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], to url: URL) throws {
        var header: [String: Any] = [:]
        var body = Data()
        for t in tensors {
            precondition(t.shape.reduce(1, *) == t.values.count, "\(t.name): shape \(t.shape) vs \(t.values.count) values")
            let start = body.count
            t.values.withUnsafeBytes { body.append(contentsOf: $0) }
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [start, body.count]] as [String: Any]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        try file.write(to: url)
    }

    /// A fresh temporary folder (removed by the caller).
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-onnx-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
