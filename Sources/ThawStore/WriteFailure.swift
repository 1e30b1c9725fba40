import Foundation

/// A commit that failed for lack of room. LMDB reports a short write (the usual case when a disk fills
/// or `ulimit -f` is reached part-way through a page run) as EIO, a write that could not start as
/// ENOSPC/EFBIG/EDQUOT; the transaction is then not committed and every earlier one is intact.
enum WriteFailure {
    /// Error numbers that mean "no room" (or, for EIO, possibly a failing disk).
    static let codes: Set<Int32> = [5 /* EIO */, 27 /* EFBIG */, 28 /* ENOSPC */, 122 /* EDQUOT */]

    /// A `StoreError` naming the cache, the records lost with the open batch, the free space and the fix;
    /// nil for other errors.
    static func error(_ e: LMDBError, path: String, batch: String, committed: Int) -> StoreError? {
        guard codes.contains(e.code) else { return nil }
        var fs = statvfs()
        let free = statvfs(path, &fs) == 0 ? " (\(Int(fs.f_bavail) * Int(fs.f_frsize)) bytes free there now)" : ""
        return StoreError.io(
            path: path,
            problem: "writing records \(batch) failed: \(String(cString: strerror(e.code))) [\(e.code)]"
                + " — the disk is full or a file-size limit (`ulimit -f`) was reached\(free), or the disk is failing."
                + " That batch was not committed; the \(committed) records committed before it are intact",
            fix: "free space (or raise `ulimit -f`, or move the cache to a larger disk), then re-run the same command: "
                + "it resumes after the last commit")
    }
}
