import Foundation
import ThawCore

extension LMDBEnvironment {
    /// Drops this process's mapping of the pages of data.mdb touched so far (they stay in the kernel's
    /// page cache, shared and reclaimable). Pages of a file mapping count in the process's resident set
    /// until then, so a reader streaming a cache larger than its memory budget calls this after each
    /// block, and the writer after each commit. Safe at any time: LMDB maps the file read-only (no
    /// MDB_WRITEMAP; writes go through write(2)) and re-faults pages on the next read. Linux only.
    func releaseResidentPages() {
        #if os(Linux)
        // LMDB reports the map address only for MDB_FIXEDMAP, so the mapping is found in /proc/self/maps;
        // it is looked up each time because a grown map moves.
        // /proc/self/maps names the file by its absolute, symlink-free path.
        let file = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
            .appendingPathComponent("data.mdb").path
        guard let maps = ProcFile.read("/proc/self/maps") else { return }
        for line in maps.split(separator: "\n") where line.hasSuffix(file) {
            let range = line.prefix { $0 != " " }.split(separator: "-")
            guard range.count == 2, let lo = UInt(range[0], radix: 16), let hi = UInt(range[1], radix: 16), hi > lo,
                  let base = UnsafeMutableRawPointer(bitPattern: lo) else { continue }
            _ = madvise(base, Int(hi - lo), MADV_DONTNEED)
        }
        #endif
    }
}

extension CacheReader {
    /// See `LMDBEnvironment.releaseResidentPages`.
    public func releaseResidentPages() { environment.releaseResidentPages() }
}
