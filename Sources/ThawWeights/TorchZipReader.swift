import Foundation
import ThawCore

/// Reads `torch.save` archives (torch ≥ 1.6): a stored ZIP with `<prefix>/data.pkl` and one member
/// `<prefix>/data/<key>` per storage. The prefix is whatever single folder the archive uses.
enum TorchZipReader {
    static func read(_ data: Data, path: String) throws -> WeightFile {
        let zip = try ZipArchive(data, file: path)
        let pickles = zip.members.filter { $0.name.hasSuffix("/data.pkl") || $0.name == "data.pkl" }
        guard pickles.count == 1, let pickleMember = pickles.first else {
            throw FileError(file: path, problem: pickles.isEmpty ? "ZIP archive has no data.pkl member, so it is not a PyTorch checkpoint"
                                                               : "ZIP archive has \(pickles.count) data.pkl members",
                               fix: "Save the weights with torch.save(model.state_dict(), path).")
        }
        let prefix = String(pickleMember.name.dropLast("data.pkl".count))
        if let order = zip.member(named: prefix + "byteorder"),
           String(decoding: try zip.contents(of: order), as: UTF8.self).hasPrefix("big") {
            throw FileError(file: path, problem: "was saved on a big-endian machine", fix: "Re-save it on a little-endian machine or as safetensors.")
        }
        let pickleBytes = Data(try zip.contents(of: pickleMember))  // small; re-indexed from 0
        var unpickler = Unpickler(pickleBytes, file: "\(path):\(pickleMember.name)")
        let root = try unpickler.load()
        let (views, skipped) = try TorchCheckpoint.flatten(root, file: path)
        let storages = try TorchCheckpoint.storages(of: views, file: path)

        var bytes: [String: Data] = [:]
        for (key, ref) in storages {
            let memberName = prefix + "data/" + key
            guard let member = zip.member(named: memberName) else {
                throw FileError(file: path, problem: "ZIP member '\(memberName)' (storage of \(ref.elementCount) \(ref.dtype.torchName)) is missing",
                                fix: FileError.redownload)
            }
            let contents = try zip.contents(of: member)
            try TorchCheckpoint.checkStorageSize(ref, actualBytes: contents.count, file: "\(path):\(memberName)")
            bytes[key] = contents
        }
        let tensors = try views.map { name, ref in
            try TorchCheckpoint.materialize(ref, name: name, storage: bytes[ref.storage.key]!, file: path)
        }
        return WeightFile(path: path, format: .torchZip, tensors: tensors, metadata: skipped)
    }
}
