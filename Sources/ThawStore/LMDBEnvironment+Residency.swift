import Foundation
import ThawCore

extension LMDBEnvironment {
    /// Drops this process's mapping of the pages of data.mdb touched so far (they stay in the kernel's
    /// page cache, shared and reclaimable). Pages of a file mapping count in the process's resident set
    /// until then, so a reader streaming a cache larger than its memory budget calls this after each
    /// block, and the writer after each commit. Safe at any time: LMDB maps the file read-only (no
    /// MDB_WRITEMAP; writes go through write(2)) and re-faults pages on the next read. Linux only.
    ///
    /// Streamed training calls this every few MiB of records, so it scans /proc/self/maps as bytes:
    /// parsing it as Swift strings (and resolving the path each time) took 6% of a streamed sweep's CPU.
    func releaseResidentPages() {
        #if os(Linux)
        // LMDB reports the map address only for MDB_FIXEDMAP, so the mapping is found in /proc/self/maps;
        // it is looked up each time because a grown map moves.
        for range in Self.mappings(of: mappedFileName) {
            guard let base = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { continue }
            _ = madvise(base, Int(range.upperBound - range.lowerBound), MADV_DONTNEED)
        }
        #endif
    }

    /// Address ranges of /proc/self/maps lines that end with `file` (" start-end perms offset dev inode   path").
    static func mappings(of file: [UInt8]) -> [Range<UInt>] {
        #if os(Linux)
        guard let text = ProcFile.bytes("/proc/self/maps") else { return [] }
        var out: [Range<UInt>] = []
        var lineStart = 0
        for i in text.indices where text[i] == UInt8(ascii: "\n") {
            defer { lineStart = i + 1 }
            guard i - lineStart > file.count, text[(i - file.count)..<i].elementsEqual(file),
                  text[i - file.count - 1] == UInt8(ascii: " ") else { continue }
            // "lo-hi ": two hex numbers at the start of the line.
            var lo: UInt = 0, hi: UInt = 0, j = lineStart, sawDash = false, valid = true
            while j < i, text[j] != UInt8(ascii: " ") {
                let c = text[j]
                if c == UInt8(ascii: "-") { sawDash = true; j += 1; continue }
                guard let d = hexDigit(c) else { valid = false; break }
                if sawDash { hi = hi << 4 | d } else { lo = lo << 4 | d }
                j += 1
            }
            if valid, sawDash, hi > lo { out.append(lo..<hi) }
        }
        return out
        #else
        return []
        #endif
    }

    private static func hexDigit(_ c: UInt8) -> UInt? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt(c - UInt8(ascii: "a") + 10)
        default: return nil
        }
    }
}

extension CacheReader {
    /// See `LMDBEnvironment.releaseResidentPages`.
    public func releaseResidentPages() { environment.releaseResidentPages() }
}
