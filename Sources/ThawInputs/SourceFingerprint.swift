import Foundation
import ThawCore

/// A fingerprint of a source's files for the cache manifest: FNV-1a 64 over each file's relative
/// path, size and modification time, plus the bytes of small files (manifests, CSVs) so an edit
/// that keeps size and mtime still changes it.
public enum SourceFingerprint {
    /// Files up to this size are hashed by content too.
    public static let contentLimit = 4 << 20

    /// `files` are relative to `root`; pass `root: "."` for paths as the user gave them (absolute, or
    /// relative to the working directory — joining them to their own folder would double it).
    /// With `missingAllowed`, a file that cannot be examined (a manifest row naming a missing image)
    /// adds a marker instead of throwing, so `--on-error skip` can skip it when it is read; the
    /// fingerprint still changes when the file appears.
    public static func of(files: [String], root: String, missingAllowed: Bool = false) throws -> String {
        var h = FNV1a()
        let fm = FileManager.default
        for relative in files {
            let path = relative.hasPrefix("/") ? relative : (root as NSString).appendingPathComponent(relative)
            let attributes: [FileAttributeKey: Any]
            do { attributes = try fm.attributesOfItem(atPath: path) } catch {
                if missingAllowed { h.add(relative); h.add("\u{0}unreadable\u{0}"); continue }
                throw FileError(file: path, problem: "cannot be examined (\(error.localizedDescription))",
                                fix: "check that the file exists and is readable")
            }
            let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            h.add(relative); h.add("\u{0}\(size)\u{0}\(Int64(mtime * 1000))\u{0}")
            if size >= 0 && size <= contentLimit, let data = fm.contents(atPath: path) {
                data.withUnsafeBytes { h.add($0) }
            }
        }
        return String(format: "fnv1a64:%016llx", h.value)
    }
}
