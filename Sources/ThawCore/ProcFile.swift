import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file of /proc whole. Pitfall: procfs reports a size of 0 and Foundation's
/// `String(contentsOfFile:)` stops after the first page (≈4 KiB) of such files, so
/// /proc/self/maps of a process with many libraries, or /proc/cpuinfo on a many-core machine, came
/// back cut short. This reads with read(2) until end of file.
public enum ProcFile {
    /// The file's text, or nil if it cannot be opened (not Linux, no procfs).
    public static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
