import Foundation
import ThawCore

/// Writes float32 tensors as a safetensors file: u64 little-endian header length, JSON header
/// (`{name: {dtype, shape, data_offsets}}` plus `__metadata__` of strings), padded with spaces to
/// a multiple of 8, then the raw little-endian data in header order.
public enum SafetensorsWriter {
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "safetensors \(name): shape \(shape) holds \(shape.reduce(1, *)) values, got \(values.count)")
            self.name = name; self.shape = shape; self.values = values
        }
    }

    /// The file's bytes (tensors sorted by name, as the format's readers expect).
    public static func encode(_ tensors: [Tensor], metadata: [String: String] = [:]) -> Data {
        let sorted = tensors.sorted { $0.name < $1.name }
        var header: [String: Any] = [:]
        var offset = 0
        for t in sorted {
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]] as [String: Any]
            offset += 4 * t.values.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for t in sorted {
            for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    /// Writes the file atomically; the error names the path.
    public static func write(_ tensors: [Tensor], metadata: [String: String] = [:], to path: String) throws {
        do {
            try encode(tensors, metadata: metadata).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FileError(file: path, problem: "cannot be written (\(error.localizedDescription))",
                            fix: "choose a writable output path on a disk with free space")
        }
    }
}
