import Foundation
import ThawCore

/// A Hugging Face model folder stands for its weight file: `model.safetensors`, else
/// `pytorch_model.bin`. Everything that hashes or opens weights given by the user goes through
/// `weightFile`, so `--weights FOLDER` and `--weights FOLDER/model.safetensors` are the same weights
/// (same SHA-256 in the cache manifest and bundles).
public enum WeightFolder {
    /// The names looked for inside a folder, in order.
    public static let fileNames = ["model.safetensors", "pytorch_model.bin"]

    /// `path` if it is a file; the weight file inside it if it is a folder.
    public static func weightFile(_ path: String) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw FileError(file: path, problem: "no such file or folder",
                            fix: "pass the weight file (.safetensors, .pth, .bin) or a Hugging Face model folder")
        }
        guard isFolder.boolValue else { return path }
        for name in fileNames {
            let file = (path as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: file) { return file }
        }
        throw FileError(file: path, problem: "the folder holds neither \(fileNames.joined(separator: " nor "))",
                        fix: "pass the weight file itself")
    }
}
