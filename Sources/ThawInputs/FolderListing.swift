import Foundation
import ThawCore

/// Lists class-per-folder data the way torchvision's `ImageFolder` does: class folders sorted,
/// files found recursively and sorted by (folder, name) in code-point order, extensions matched
/// case-insensitively. An empty class folder or an unreadable folder is an error.
///
/// Links are followed, but each physical folder (device + inode) is listed once: a link back to
/// an ancestor (a loop) or to a folder already listed is skipped and named in `skippedLinks`
/// (torchvision would recurse forever on a loop, or list the same files under two labels).
enum FolderListing {
    struct Listing {
        var classes: [(label: String, files: [String])]
        /// Folder links not followed, relative to the root, each with the folder it repeats.
        var skippedLinks: [String]
    }

    /// Device and inode of a folder (its link target), the identity a loop repeats.
    private struct FolderID: Hashable { var device: UInt64; var inode: UInt64 }

    private static func folderID(_ path: String) -> FolderID? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FolderID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    static func list(root: String, extensions: Set<String>, kind: String) throws -> Listing {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw FileError(file: root, problem: "is not a folder", fix: "point to a folder with one sub-folder per class")
        }
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: root) } catch {
            throw FileError(file: root, problem: "cannot be read (\(error.localizedDescription))", fix: "check its permissions")
        }
        let classNames = entries.filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: (root as NSString).appendingPathComponent(name), isDirectory: &d) && d.boolValue
        }.sorted(by: codePointOrder)
        guard !classNames.isEmpty else {
            throw FileError(file: root, problem: "has no class sub-folders", fix: "put each class's \(kind) in a sub-folder named after the class")
        }
        var result: [(String, [String])] = []
        var visited: [FolderID: String] = [:]
        if let id = folderID(root) { visited[id] = "." }
        var skipped: [String] = []
        // Class folders first, so a link inside one class never claims another class's folder.
        for name in classNames {
            let path = (root as NSString).appendingPathComponent(name)
            guard let id = folderID(path) else { continue }
            if let earlier = visited[id] {
                throw FileError(file: path, problem: "is the same folder as \(earlier) (a link), so its files would be listed under two labels",
                                fix: "remove the link, or copy the files if they really belong to both classes")
            }
            visited[id] = name
        }
        for name in classNames {
            var files: [(dir: String, name: String)] = []
            try walk(root: root, relative: name, extensions: extensions, visited: &visited, skipped: &skipped, into: &files)
            guard !files.isEmpty else {
                throw FileError(file: (root as NSString).appendingPathComponent(name),
                                problem: "class folder holds no \(kind) (\(extensions.sorted().joined(separator: " ")))",
                                fix: "add files or remove the folder")
            }
            files.sort { $0.dir == $1.dir ? codePointOrder($0.name, $1.name) : codePointOrder($0.dir, $1.dir) }
            result.append((name, files.map { $0.dir + "/" + $0.name }))
        }
        return Listing(classes: result, skippedLinks: skipped)
    }

    /// Lists `relative`'s files; `visited` maps every folder listed so far to its relative path.
    private static func walk(root: String, relative: String, extensions: Set<String>,
                             visited: inout [FolderID: String], skipped: inout [String],
                             into files: inout [(dir: String, name: String)]) throws {
        let fm = FileManager.default
        let path = (root as NSString).appendingPathComponent(relative)
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: path) } catch {
            throw FileError(file: path, problem: "cannot be read (\(error.localizedDescription))", fix: "check its permissions")
        }
        for name in entries.sorted(by: codePointOrder) {  // sorted: which of two links to one folder wins is stable
            var d: ObjCBool = false
            let full = (path as NSString).appendingPathComponent(name)
            guard fm.fileExists(atPath: full, isDirectory: &d) else { continue }
            if d.boolValue {
                let child = relative + "/" + name
                if let id = folderID(full) {
                    if let earlier = visited[id] {
                        skipped.append("\(child) → \(earlier)")
                        continue
                    }
                    visited[id] = child
                }
                try walk(root: root, relative: child, extensions: extensions, visited: &visited, skipped: &skipped, into: &files)
            } else if extensions.contains((name as NSString).pathExtension.lowercased()) {
                files.append((relative, name))
            }
        }
    }

    /// Python's string order (Unicode code points), not Swift's locale-free `<`.
    static func codePointOrder(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }
}
