import Foundation
import ThawCore

/// The container formats Thaw reads.
public enum WeightFormat: String, Sendable, Codable {
    case safetensors
    case torchZip = "pytorch-zip"
    case torchLegacy = "pytorch-legacy"
}

/// Every tensor of one weight file, in file order, plus the file's own metadata.
public struct WeightFile: @unchecked Sendable {
    public var path: String
    public var format: WeightFormat
    /// Tensors in the order the file lists them (safetensors: by data offset). Names are unique.
    /// PyTorch checkpoints holding nested dicts/lists are flattened with dots, every level kept:
    /// `{"state_dict": {"fc.weight": t}}` gives `state_dict.fc.weight` (strip it with
    /// `KeyRule.stripPrefix("state_dict.")` when loading).
    public var tensors: [WeightTensor]
    /// safetensors `__metadata__`; for PyTorch files, the dotted names of non-tensor entries
    /// that were skipped (e.g. `epoch`) mapped to a short description.
    public var metadata: [String: String]

    /// Total element count over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }

    /// The tensor with this exact name.
    public subscript(name: String) -> WeightTensor? { tensors.first { $0.name == name } }

    /// Opens a weight file, choosing the reader by content (ZIP magic, legacy pickle magic,
    /// safetensors header), not by extension. The file is memory-mapped, never read twice.
    public static func load(_ path: String) throws -> WeightFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw FileError(file: path, problem: "cannot be opened (\(error.localizedDescription))",
                            fix: "Check the path and that the file is readable.")
        }
        return try load(data, path: path)
    }

    /// Reads weights from bytes already in memory; `path` is only used in messages.
    public static func load(_ data: Data, path: String) throws -> WeightFile {
        let data = data.startIndex == 0 ? data : Data(data)  // readers index from 0
        switch detectFormat(data) {
        case .torchZip?: return try TorchZipReader.read(data, path: path)
        case .torchLegacy?: return try TorchLegacyReader.read(data, path: path)
        case .safetensors?: return try SafetensorsReader.read(data, path: path)
        case nil:
            throw FileError(file: path,
                            problem: "is not a safetensors file, a PyTorch zip archive or a legacy PyTorch pickle",
                            fix: "Save the weights with safetensors.torch.save_file or torch.save(model.state_dict(), path).")
        }
    }

    /// The format by magic bytes, or nil.
    public static func detectFormat(_ data: Data) -> WeightFormat? {
        let b = [UInt8](data.prefix(12))
        if b.count >= 4, b[0] == 0x50, b[1] == 0x4B, b[2] == 0x03 || b[2] == 0x05, b[3] == 0x04 || b[3] == 0x06 {
            return .torchZip
        }
        if b.count >= 2, b[0] == 0x80, (2...5).contains(b[1]) { return .torchLegacy }
        if b.count >= 9 {
            // 8-byte little-endian header length followed by '{'.
            return b[8] == UInt8(ascii: "{") ? .safetensors : nil
        }
        return nil
    }
}
