import Foundation
import ThawCore

/// Unlabeled images for prediction: files named one by one, and the image files directly inside
/// folders that have no class sub-folders (not recursive, so links cannot loop). Ids are the paths
/// as given; every label is empty.
public struct ImageListSource: ImageSource {
    public let samples: [Sample]
    public var labelNames: [String] { [] }

    /// `paths`: image files, or folders whose image files are taken in code-point order.
    public init(paths: [String]) throws {
        var files: [String] = []
        for path in paths { files += try Self.expand(path, extensions: ImageFolderSource.extensions, kind: "images") }
        samples = files.enumerated().map { Sample(index: $0.offset, id: $0.element, label: "") }
    }

    public func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage {
        try decoder.decode(file: sample.id)
    }

    public func fingerprint() throws -> String { try SourceFingerprint.of(files: samples.map(\.id), root: "") }

    /// A file as is; a folder's files with one of `extensions`, sorted. Throws for a missing path or an empty folder.
    static func expand(_ path: String, extensions: Set<String>, kind: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileError(file: path, problem: "no such file or folder", fix: "check the path")
        }
        guard isDirectory.boolValue else { return [path] }
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw FileError(file: path, problem: "cannot be read (\(error.localizedDescription))", fix: "check its permissions")
        }
        let files = entries.filter { !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted(by: FolderListing.codePointOrder)
            .map { (path as NSString).appendingPathComponent($0) }
        guard !files.isEmpty else {
            throw FileError(file: path, problem: "holds no \(kind) (\(extensions.sorted().joined(separator: " ")))",
                            fix: "pass image files, a folder of them, or a class-per-folder directory with --data")
        }
        return files
    }
}
