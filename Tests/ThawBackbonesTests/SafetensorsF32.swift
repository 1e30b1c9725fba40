import Foundation

/// Just enough of safetensors for this test target (F32 tensors by name); ThawWeights owns the
/// real reader. Layout: u64 LE header size, JSON header {name: {dtype, shape, data_offsets}}, data.
struct SafetensorsF32 {
    struct Entry: Decodable { var dtype: String; var shape: [Int]; var data_offsets: [Int] }
    let data: Data
    let entries: [String: Entry]
    let base: Int

    init(path: String) throws {
        data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        let n = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        var json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + n)) as! [String: Any]
        json.removeValue(forKey: "__metadata__")
        let cleaned = try JSONSerialization.data(withJSONObject: json)
        entries = try JSONDecoder().decode([String: Entry].self, from: cleaned)
        base = 8 + n
    }

    func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        guard let e = entries[name] else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSDebugDescriptionErrorKey: "no tensor \(name)"]) }
        guard e.dtype == "F32", e.shape == shape else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSDebugDescriptionErrorKey: "\(name): \(e.dtype) \(e.shape), want F32 \(shape)"])
        }
        let lo = base + e.data_offsets[0], count = (e.data_offsets[1] - e.data_offsets[0]) / 4
        // Host is little-endian (x86-64, arm64): copy the bytes as they are.
        return [Float](unsafeUninitializedCapacity: count) { out, n in
            data.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[lo..<lo + 4 * count]))
            }
            n = count
        }
    }
}
