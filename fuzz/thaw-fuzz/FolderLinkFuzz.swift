import Foundation
import ThawCore
import ThawInputs

/// Folder walks with links: small random class-per-folder trees whose links point to ancestors,
/// siblings, the root, other classes, files, other links or nowhere, listed as image and text data.
/// Invariants: the walk ends, and no physical folder's files are listed twice — the listing holds
/// at most one sample per file and per link to a file that was created.
struct FolderLinkFuzz: FuzzClass {
    let scratch: String
    var number = 0

    init(scratch: String) throws { self.scratch = scratch }

    mutating func run(_ rng: inout SplitMix64) throws {
        number += 1
        let root = scratch + "/tree\(number % 4)"
        var created: [String] = []          // removed in reverse order
        var folders: [String] = [root]
        var fileEntries = 0
        defer { for p in created.reversed() { if unlink(p) != 0 { rmdir(p) } }; rmdir(root) }
        mkdir(root, 0o755)
        for c in 0..<(1 + rng.below(3)) {
            let f = root + "/class\(c)"
            if mkdir(f, 0o755) == 0 { created.append(f); folders.append(f) }
            for name in ["a.jpg", "a.txt"] {   // every class holds an image and a text, so most listings succeed
                let fd = open(f + "/" + name, O_WRONLY | O_CREAT, 0o644)
                if fd >= 0 { close(fd); created.append(f + "/" + name); fileEntries += 1 }
            }
        }
        guard folders.count > 1 else { throw FuzzSetupError("\(root): no class folder could be made") }
        for _ in 0..<rng.below(5) {   // nested folders
            let parent = folders[1 + rng.below(folders.count - 1)]
            let f = parent + "/d\(folders.count)"
            if mkdir(f, 0o755) == 0 { created.append(f); folders.append(f) }
        }
        for _ in 0..<(1 + rng.below(6)) {   // files (the walk only lists names)
            let f = folders[1 + rng.below(folders.count - 1)] + "/f\(created.count).\(rng.chance(2) ? "jpg" : "txt")"
            let fd = open(f, O_WRONLY | O_CREAT, 0o644)
            if fd >= 0 { close(fd); created.append(f); fileEntries += 1 }
        }
        let files = created.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".txt") }
        for _ in 0..<(1 + rng.below(5)) {   // links
            let folder = folders[rng.below(folders.count)]
            let at = folder + "/l\(created.count)" + (rng.chance(3) ? ".jpg" : "")
            // Relative links climb at most to the root: the tree stays self-contained (a link above it
            // would list whatever else sits in the scratch folder, or the whole file system).
            let depth = folder.dropFirst(root.count).filter { $0 == "/" }.count
            let target: String
            switch rng.below(7) {
            case 0: target = "."                                                      // its own folder
            case 1: target = depth > 0 ? ".." : "."                                   // the parent
            case 2: target = folders[rng.below(folders.count)]                         // any folder: ancestors, siblings, root
            case 3: target = files.isEmpty ? "missing" : files[rng.below(files.count)] // a file
            case 4: target = created.isEmpty ? root : created[rng.below(created.count)] // anything, links too
            case 5: target = depth > 0 ? Array(repeating: "..", count: depth).joined(separator: "/") : "."   // the root
            default: target = "nowhere/\(rng.below(9))"                                // dangling
            }
            if symlink(target, at) == 0 {
                created.append(at)
                var s = stat()
                if stat(at, &s) == 0 && (s.st_mode & S_IFMT) == S_IFREG { fileEntries += 1 }
            }
        }
        var errors: [Error] = []
        do {
            let images = try ImageFolderSource(root: root)
            if images.samples.count > fileEntries { FuzzWorker.invariant("\(images.samples.count) images listed from \(fileEntries) files and file links") }
        } catch { errors.append(error) }
        do {
            let texts = try TextFolderSource(root: root)
            if texts.samples.count > fileEntries { FuzzWorker.invariant("\(texts.samples.count) texts listed from \(fileEntries) files and file links") }
        } catch { errors.append(error) }
        if let e = errors.first { throw e }
    }
}
