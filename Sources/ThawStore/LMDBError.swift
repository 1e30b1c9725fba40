import CLMDB
import ThawCore

/// A failed LMDB call: the return code, LMDB's own message, and what Thaw was doing.
public struct LMDBError: ThawError, Equatable {
    /// The LMDB (or errno) return code.
    public let code: Int32
    /// What was being done, e.g. "mdb_put records at /data/cache".
    public let context: String

    public init(_ code: Int32, _ context: String) {
        self.code = code
        self.context = context
    }

    public var isMapFull: Bool { code == MDB_MAP_FULL }
    public var isMapResized: Bool { code == MDB_MAP_RESIZED }
    public var isNotFound: Bool { code == MDB_NOTFOUND }

    /// LMDB's message for the code, with what Thaw was doing.
    public var problem: String {
        var text = "LMDB: \(context): \(String(cString: mdb_strerror(code))) [\(code)]"
        if code == MDB_READERS_FULL { text += " (too many concurrent readers)" }
        if [5, 27, 28, 122].contains(code) /* EIO (a short write), EFBIG, ENOSPC, EDQUOT */ {
            text += ". The disk is full or a file-size limit was reached (or, for EIO, the disk is failing); the open "
                + "transaction was not committed and every earlier commit is intact"
        }
        return text
    }

    public var fix: String {
        if code == MDB_READERS_FULL { return "close other readers" }
        if code == 13 /* EACCES */ { return "check the directory's permissions" }
        if [5, 27, 28, 122].contains(code) {
            return "free space (or raise `ulimit -f`, or move the cache to a larger disk), then re-run the same command to resume"
        }
        return ""
    }

    /// The context names the cache.
    public var file: String { "" }
}

/// Throws an `LMDBError` unless `rc` is 0.
@inline(__always)
func check(_ rc: Int32, _ context: @autoclosure () -> String) throws {
    guard rc == 0 else { throw LMDBError(rc, context()) }
}
