import Foundation
import ThawCore

/// Reads pre-1.6 `torch.save` files (`_use_new_zipfile_serialization=False`): five pickles and raw
/// storages back to back —
///   magic 0x1950a86a20f9469cfc6c, protocol version (1001), sys_info dict, the object itself,
///   the list of storage keys; then per key, in that order: int64 LE element count + raw bytes.
enum TorchLegacyReader {
    /// 0x1950a86a20f9469cfc6c as LONG1 little-endian bytes.
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    static func read(_ data: Data, path: String) throws -> WeightFile {
        var unpickler = Unpickler(data, file: path)
        guard case .bigInt(let m) = try unpickler.load(), m == magic else {
            throw FileError(file: path, problem: "starts with a pickle but not with the PyTorch magic number",
                            fix: "Thaw reads only files written by torch.save (or safetensors); a plain pickle is never loaded.")
        }
        var next = Unpickler(data, file: path, offset: unpickler.offset)
        guard case .int(let version) = try next.load(), version == 1001 else {
            throw FileError(file: path, problem: "legacy PyTorch protocol version is not 1001", fix: FileError.redownload)
        }
        var sysInfo = Unpickler(data, file: path, offset: next.offset)
        if case .dict(let info) = try sysInfo.load(),
           let le = info.entries.first(where: { PickleDict.keyString($0.key) == "little_endian" }),
           case .bool(false) = le.value {
            throw FileError(file: path, problem: "was saved on a big-endian machine", fix: "Re-save it on a little-endian machine or as safetensors.")
        }
        var main = Unpickler(data, file: path, offset: sysInfo.offset)
        let root = try main.load()
        var keysPickle = Unpickler(data, file: path, offset: main.offset)
        guard case .list(let keyList) = try keysPickle.load() else {
            throw FileError(file: path, problem: "list of storage keys is missing", fix: FileError.redownload)
        }
        let (views, skipped) = try TorchCheckpoint.flatten(root, file: path)
        let storages = try TorchCheckpoint.storages(of: views, file: path)

        var reader = ByteReader(data, file: path, offset: keysPickle.offset)
        var bytes: [String: Data] = [:]
        for item in keyList.items {
            guard case .string(let key) = item, let ref = storages[key] else {
                throw FileError(file: path, problem: "storage key \(item.shortDescription) is not used by any tensor", fix: FileError.redownload)
            }
            let count = try reader.uint(Int64.self, "the element count of storage \(key)")
            guard count == Int64(ref.elementCount) else {
                throw FileError(file: path, problem: "storage \(key) holds \(count) elements but its tensors expect \(ref.elementCount)", fix: FileError.redownload)
            }
            try reader.require(ref.elementCount.multipliedReportingOverflow(by: ref.dtype.itemSize).overflow ? -1 : ref.elementCount * ref.dtype.itemSize,
                               "storage \(key) (\(ref.elementCount) \(ref.dtype.torchName))")
            bytes[key] = try reader.bytes(ref.elementCount * ref.dtype.itemSize, "storage \(key)")
        }
        let tensors = try views.map { name, ref -> WeightTensor in
            guard let storage = bytes[ref.storage.key] else {
                throw FileError(file: path, problem: "storage \(ref.storage.key) of tensor '\(name)' is not in the file", fix: FileError.redownload)
            }
            return try TorchCheckpoint.materialize(ref, name: name, storage: storage, file: path)
        }
        return WeightFile(path: path, format: .torchLegacy, tensors: tensors, metadata: skipped)
    }
}
