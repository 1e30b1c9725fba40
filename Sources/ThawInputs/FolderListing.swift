import Foundation

/// Lists class-per-folder data the way torchvision's `ImageFolder` does: class folders sorted,
/// files found recursively and sorted by (folder, name) in code-point order, extensions matched
/// case-insensitively. An empty class folder or an unreadable folder is an error.
enum FolderListing {
    static func classes(root: String, extensions: Set<String>, kind: String) throws -> [(label: String, files: [String])] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw InputError(file: root, problem: "is not a folder", fix: "point to a folder with one sub-folder per class")
        }
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: root) } catch {
            throw InputError(file: root, problem: "cannot be read (\(error.localizedDescription))", fix: "check its permissions")
        }
        let classNames = entries.filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: (root as NSString).appendingPathComponent(name), isDirectory: &d) && d.boolValue
        }.sorted(by: codePointOrder)
        guard !classNames.isEmpty else {
            throw InputError(file: root, problem: "has no class sub-folders", fix: "put each class's \(kind) in a sub-folder named after the class")
        }
        var result: [(String, [String])] = []
        for name in classNames {
            var files: [(dir: String, name: String)] = []
            try walk(root: root, relative: name, extensions: extensions, into: &files)
            guard !files.isEmpty else {
                throw InputError(file: (root as NSString).appendingPathComponent(name),
                                 problem: "class folder holds no \(kind) (\(extensions.sorted().joined(separator: " ")))",
                                 fix: "add files or remove the folder")
            }
            files.sort { $0.dir == $1.dir ? codePointOrder($0.name, $1.name) : codePointOrder($0.dir, $1.dir) }
            result.append((name, files.map { $0.dir + "/" + $0.name }))
        }
        return result
    }

    private static func walk(root: String, relative: String, extensions: Set<String>,
                             into files: inout [(dir: String, name: String)]) throws {
        let fm = FileManager.default
        let path = (root as NSString).appendingPathComponent(relative)
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: path) } catch {
            throw InputError(file: path, problem: "cannot be read (\(error.localizedDescription))", fix: "check its permissions")
        }
        for name in entries {
            var d: ObjCBool = false
            let full = (path as NSString).appendingPathComponent(name)
            guard fm.fileExists(atPath: full, isDirectory: &d) else { continue }
            if d.boolValue {
                try walk(root: root, relative: relative + "/" + name, extensions: extensions, into: &files)
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
