import Foundation
import ThawCore

/// One class of hostile input: its seeds (real files), how it mutates them, and what it runs.
protocol FuzzClass {
    /// Builds or loads the seeds; `scratch` is a private folder for files the readers need.
    init(scratch: String) throws
    /// Mutates a seed with `rng` and runs the readers on it. Thrown errors are refusals (the
    /// expected outcome for most inputs); a broken invariant calls `FuzzWorker.invariant`.
    mutating func run(_ rng: inout SplitMix64) throws
}

enum FuzzClasses {
    static let all = ["lmdb", "weights", "folders", "idx", "manifest", "image", "bundle"]

    static func make(_ name: String, scratch: String) throws -> FuzzClass {
        switch name {
        case "lmdb": return try LMDBPageFuzz(scratch: scratch)
        case "weights": return try WeightsFuzz(scratch: scratch)
        case "folders": return try FolderLinkFuzz(scratch: scratch)
        case "idx": return try IDXFuzz(scratch: scratch)
        case "manifest": return try ManifestFuzz(scratch: scratch)
        case "image": return try ImageFuzz(scratch: scratch)
        case "bundle": return try BundleFuzz(scratch: scratch)
        default: throw FuzzSetupError("unknown class \(name); classes: \(all.joined(separator: " "))")
        }
    }
}

struct FuzzSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The repository's root (seeds are read from fuzz/ and Tests/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The files of `folder` (relative to the repository) whose names pass `keep`, sorted, as bytes.
func seedFiles(_ folder: String, _ keep: (String) -> Bool = { _ in true }) throws -> [(name: String, bytes: [UInt8])] {
    let dir = repositoryRoot + "/" + folder
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter(keep).sorted()
    return try names.map { ($0, [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)))) }
}

/// Writes `bytes` to `path` with one open/write/close (faster than Data.write for small files).
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw FuzzSetupError("cannot write \(path)") }
    defer { close(fd) }
    var done = 0
    while done < bytes.count {
        let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { throw FuzzSetupError("short write to \(path)") }
        done += n
    }
}
