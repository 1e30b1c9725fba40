import Foundation
import ThawCore
import ThawAssets

/// A data source named on the command line, resolved to images or texts.
public enum DataSpec {
    case images(any ImageSource)
    case text(any TextSource)

    /// Shortcuts resolved through `KnownAsset`.
    public static let shortcuts = ["fashion-mnist", "mnist-5k", "bbc-news"]

    /// Resolves `spec`: a shortcut (`fashion-mnist`, `mnist-5k`, `bbc-news`); a folder (class
    /// folders of images, or of `.txt` files → text; a flat folder of either → unlabeled samples); a `.csv`/`.jsonl` manifest (a `text` column
    /// → text, else `path,label[,split]` images); or an IDX images file (`…images-idx3-ubyte[.gz]`,
    /// labels beside it as `…labels-idx1-ubyte[.gz]`).
    public static func resolve(_ spec: String) throws -> DataSpec {
        if shortcuts.contains(spec) {
            let asset = KnownAsset.named(spec)!
            guard let path = asset.find() else {
                throw FileError(file: spec, problem: "data set is not installed", fix: "install it: \(asset.installCommand)")
            }
            switch spec {
            case "fashion-mnist": return .images(try IDXSource.fashionMNIST(folder: (path as NSString).deletingLastPathComponent))
            case "mnist-5k": return .images(try PixelCSVSource(path: path))
            default: return .text(try TextFolderSource(root: path, latin1Fallback: true))
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: spec, isDirectory: &isDirectory) else {
            throw FileError(file: spec, problem: "no such file or folder",
                            fix: "pass a class-per-folder directory, a .csv/.jsonl manifest, an IDX images file, or one of \(shortcuts.joined(separator: ", "))")
        }
        if isDirectory.boolValue {
            let text = try folderHoldsText(spec)
            do {
                return text ? .text(try TextFolderSource(root: spec)) : .images(try ImageFolderSource(root: spec))
            } catch let e as FileError where e.problem.contains("no class sub-folders") {
                // A flat folder: unlabeled files, new data to cache or predict.
                return text ? .text(try TextListSource(arguments: [spec])) : .images(try ImageListSource(paths: [spec]))
            }
        }
        let lower = spec.lowercased()
        if lower.hasSuffix(".csv") || lower.hasSuffix(".jsonl") {
            return try tableHoldsText(spec) ? .text(try TextTableSource(path: spec)) : .images(try ManifestSource(manifest: spec))
        }
        if lower.contains("images-idx3-ubyte") {
            let labels = spec.replacingOccurrences(of: "images-idx3-ubyte", with: "labels-idx1-ubyte")
            guard FileManager.default.fileExists(atPath: labels) else {
                throw FileError(file: spec, problem: "IDX images without a labels file (\(labels) is missing)", fix: "put the labels file beside the images file")
            }
            return .images(try IDXSource(parts: [IDXSource.Part(images: spec, labels: labels, split: nil)]))
        }
        throw FileError(file: spec, problem: "not a data source Thaw recognises",
                        fix: "use a class-per-folder directory, a .csv/.jsonl manifest, an IDX images file (…images-idx3-ubyte[.gz]) or a shortcut")
    }

    /// Folder links the listing did not follow (loops, or a second way into a folder already
    /// listed), as `link → earlier folder` relative to the data folder; empty for other sources.
    public var skippedLinks: [String] {
        switch self {
        case .images(let source): return (source as? ImageFolderSource)?.skippedLinks ?? []
        case .text(let source): return (source as? TextFolderSource)?.skippedLinks ?? []
        }
    }

    /// True when the class folders hold `.txt` files and no images.
    static func folderHoldsText(_ root: String) throws -> Bool {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return false }
        var text = false
        for case let item as String in walker {
            let ext = (item as NSString).pathExtension.lowercased()
            if ImageFolderSource.extensions.contains(ext) { return false }
            if ext == "txt" { text = true }
        }
        return text
    }

    /// True when the table's header (CSV) or first object (JSONL) has a `text` field.
    static func tableHoldsText(_ path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileError(file: path, problem: "cannot be opened", fix: "check the path and its permissions")
        }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
        let first = head.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        if path.lowercased().hasSuffix(".jsonl") { return first.contains("\"text\"") }
        return first.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\""))) == "text" }
    }
}
