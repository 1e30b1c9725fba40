import ArgumentParser
import Foundation

/// Files a command writes only after it has trained (`--export`, `--export-best`): their folder is made
/// and checked before training starts, so a missing or read-only folder costs no run.
enum OutputFolder {
    /// Creates the folder of `path` (with its parents) and checks it is writable; `option` names the flag.
    static func prepare(_ path: String, option: String) throws {
        let url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("\(option) \(path): is a folder. Fix: give a file name, e.g. \(url.appendingPathComponent("model.safetensors").path)")
        }
        let folder = url.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("\(option) \(path): cannot create the folder \(folder.path) (\(error.localizedDescription)). "
                                  + "Fix: choose a folder you can write to")
        }
        guard fm.isWritableFile(atPath: folder.path) else {
            throw ValidationError("\(option) \(path): the folder \(folder.path) is not writable. Fix: choose a folder you can write to")
        }
    }
}
