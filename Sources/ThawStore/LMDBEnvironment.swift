import CLMDB
import Foundation

/// One open LMDB environment (a directory holding `data.mdb` and `lock.mdb`) with Thaw's two
/// named databases, `meta` and `records`.
///
/// Threading: the environment is opened with `MDB_NOTLS`, so a read transaction is not tied to
/// the thread that began it; every read in Thaw is a short transaction begun and ended inside
/// one call, so any number of threads may read while one thread writes.
/// LMDB forbids opening the same file twice in one process (closing either copy drops the other's
/// locks), so environments are shared through `LMDBEnvironment.shared(at:)`.
///
/// Map growth: `mdb_env_set_mapsize` needs no transaction of this process to be active, so reads
/// and writes hold `gate` shared and growth holds it exclusively.
public final class LMDBEnvironment: @unchecked Sendable {
    /// The cache directory.
    public let path: String
    /// True when opened with `MDB_RDONLY` (the directory was not writable).
    public let readOnly: Bool
    let env: OpaquePointer
    /// What the crash guard prints if LMDB dies of a signal inside this environment (freed in deinit).
    let crashMessage: UnsafeMutablePointer<CChar>
    /// data.mdb's absolute, symlink-free path, as /proc/self/maps names its mapping (`releaseResidentPages`).
    let mappedFileName: [UInt8]
    private(set) var meta: MDB_dbi = 0
    private(set) var records: MDB_dbi = 0
    private var gate = pthread_rwlock_t()
    private let writerLock = NSLock()

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var registry: [String: Weak] = [:]
    private struct Weak { weak var env: LMDBEnvironment? }

    /// The process-wide environment for `path`, opened (and with `create`, created) on first use.
    public static func shared(at path: String, create: Bool, initialMapSize: Int = 1 << 30) throws -> LMDBEnvironment {
        guard !path.isEmpty else {
            throw StoreError.io(path: "--cache \"\"", problem: "the cache path is empty", fix: "pass a cache folder, e.g. --cache cache/NAME")
        }
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        registryLock.lock()
        defer { registryLock.unlock() }
        if let env = registry[key]?.env {
            if create && env.readOnly {
                throw StoreError.io(path: path, problem: "the cache is open read-only in this process", fix: "make the directory writable")
            }
            return env
        }
        let env = try LMDBEnvironment(path: key, create: create, initialMapSize: initialMapSize)
        registry[key] = Weak(env: env)
        return env
    }

    private init(path: String, create: Bool, initialMapSize: Int) throws {
        let fm = FileManager.default
        let dataFile = path + "/data.mdb"
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            throw StoreError.io(path: path, problem: "is a file, not a cache folder",
                                fix: create ? "choose a folder path for the cache (it is created if missing)" : "pass the folder written by `thaw extract`")
        }
        if create {
            do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw StoreError.io(path: path, problem: "cannot create the cache folder (\((error as NSError).localizedFailureReason ?? error.localizedDescription))",
                                    fix: "check that the parent folders exist as folders and are writable")
            }
        } else if !fm.fileExists(atPath: dataFile) {
            throw StoreError.io(path: path, problem: "no LMDB cache here (data.mdb missing)", fix: "pass the directory written by `thaw extract`")
        }
        let readOnly = !create && !fm.isWritableFile(atPath: path)
        var handle: OpaquePointer?
        try check(mdb_env_create(&handle), "mdb_env_create")
        guard let handle else { throw LMDBError(-1, "mdb_env_create") }
        self.path = path
        self.readOnly = readOnly
        self.env = handle
        self.crashMessage = Self.crashMessage(for: path)
        self.mappedFileName = Array(URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
            .appendingPathComponent("data.mdb").path.utf8)
        // Writer-preferring, so a stream of short reads cannot starve map growth
        // (readers never nest, so a waiting writer cannot deadlock a reader).
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if os(Linux)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        pthread_rwlock_init(&gate, &attributes)
        pthread_rwlockattr_destroy(&attributes)
        do {
            try check(mdb_env_set_maxdbs(handle, 4), "mdb_env_set_maxdbs \(path)")
            try check(mdb_env_set_maxreaders(handle, 254), "mdb_env_set_maxreaders \(path)")
            // An existing file's own map size wins if larger (LMDB keeps the larger one).
            try check(mdb_env_set_mapsize(handle, initialMapSize), "mdb_env_set_mapsize \(path)")
            let flags = UInt32(MDB_NOTLS) | (readOnly ? UInt32(MDB_RDONLY) : 0)
            try guarded {
                // LMDB trusts the meta pages' page size from the first read on: check them before it opens.
                if fm.fileExists(atPath: dataFile), (try? fm.attributesOfItem(atPath: dataFile)[.size] as? Int) ?? 0 > 0 {
                    do { try Self.withMappedFile(dataFile) { try LMDBPageWalk.checkMetaPages($0) } } catch let p as LMDBPageWalk.Problem {
                        throw CacheDamage(path: path, page: p.page, problem: p.problem)
                    }
                }
                try check(mdb_env_open(handle, path, flags, 0o644), "mdb_env_open \(path)")
                try checkFileLength(dataFile)
                // Every page LMDB could follow is checked before it follows any (damaged pages crash it).
                if fm.fileExists(atPath: dataFile), (try? fm.attributesOfItem(atPath: dataFile)[.size] as? Int) ?? 0 > 0 {
                    try checkStructure(dataFile: dataFile)
                }
                try openDatabases(create: create)
            }
        } catch {
            // Every stored property is set by now, so throwing runs `deinit`, which closes the
            // environment and the lock: closing them here too would free them twice.
            throw error
        }
    }

    deinit {
        mdb_env_close(env)
        pthread_rwlock_destroy(&gate)
        free(crashMessage)
    }

    private func openDatabases(create: Bool) throws {
        // DBI handles are opened once, here, before any other transaction of this environment.
        let flags: UInt32 = create ? UInt32(MDB_CREATE) : 0
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin \(path)")
        do {
            var m: MDB_dbi = 0, r: MDB_dbi = 0
            var rc = mdb_dbi_open(txn, "meta", flags, &m)
            if rc == MDB_NOTFOUND {
                if try mainDatabaseIsEmpty(txn) {
                    // An extraction stopped (killed, power cut) before its first commit leaves exactly this.
                    throw StoreError.io(path: path, problem: "the cache holds nothing committed: an extraction into it stopped before its first commit",
                                        fix: "run the same `thaw extract` with this --cache again (it starts from the beginning)")
                }
                throw StoreError.io(path: path, problem: "LMDB file has no `meta` database: not a Thaw cache", fix: "pass a directory written by Thaw")
            }
            try check(rc, "mdb_dbi_open meta \(path)")
            rc = mdb_dbi_open(txn, "records", flags, &r)
            if rc == MDB_NOTFOUND {
                throw StoreError.io(path: path, problem: "LMDB file has no `records` database: not a Thaw cache", fix: "pass a directory written by Thaw")
            }
            try check(rc, "mdb_dbi_open records \(path)")
            try check(mdb_txn_commit(txn), "mdb_txn_commit (open databases) \(path)")
            meta = m
            records = r
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
    }

    /// Whether the file's main database names nothing at all (no named database was ever committed).
    private func mainDatabaseIsEmpty(_ txn: OpaquePointer?) throws -> Bool {
        var main: MDB_dbi = 0
        try check(mdb_dbi_open(txn, nil, 0, &main), "mdb_dbi_open main \(path)")
        var stat = MDB_stat()
        try check(mdb_stat(txn, main, &stat), "mdb_stat main \(path)")
        return stat.ms_entries == 0
    }

    /// The current map size in bytes.
    public var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        return info.me_mapsize
    }

    /// Runs `body` in a read transaction, adopting a map grown by another process if needed.
    public func read<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        try guarded { try readUnguarded(body) }
    }

    private func readUnguarded<T>(_ body: (ReadTransaction) throws -> T) throws -> T {
        pthread_rwlock_rdlock(&gate)
        var txn: OpaquePointer?
        var rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
        if rc == MDB_MAP_RESIZED {
            // Another process grew the file: adopt its size (needs the gate exclusively).
            pthread_rwlock_unlock(&gate)
            pthread_rwlock_wrlock(&gate)
            mdb_env_set_mapsize(env, 0)
            pthread_rwlock_unlock(&gate)
            pthread_rwlock_rdlock(&gate)
            rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
        }
        defer { pthread_rwlock_unlock(&gate) }
        try check(rc, "mdb_txn_begin (read) \(path)")
        let t = ReadTransaction(txn!, env: self)
        defer {
            t.live = false
            mdb_txn_abort(txn)
        }
        return try body(t)
    }

    /// Runs `body` in a write transaction and commits it. On `MDB_MAP_FULL` the transaction is
    /// aborted, the map doubled, and `body` run again from the start, so `body` must only write.
    public func write(_ body: (WriteTransaction) throws -> Void) throws {
        try guarded { try writeUnguarded(body) }
    }

    private func writeUnguarded(_ body: (WriteTransaction) throws -> Void) throws {
        precondition(!readOnly, "write transactions need an environment opened for writing")
        writerLock.lock()
        defer { writerLock.unlock() }
        while true {
            do {
                try writeOnce(body)
                return
            } catch let e as LMDBError where e.isMapFull || e.isMapResized {
                try grow(adoptOnly: e.isMapResized)
            }
        }
    }

    private func writeOnce(_ body: (WriteTransaction) throws -> Void) throws {
        pthread_rwlock_rdlock(&gate)
        defer { pthread_rwlock_unlock(&gate) }
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin (write) \(path)")
        let t = WriteTransaction(txn!, env: self)
        do {
            try body(t)
        } catch {
            t.live = false
            mdb_txn_abort(txn)
            throw error
        }
        t.live = false
        // Commit frees the transaction even when it fails: no abort after it.
        try check(mdb_txn_commit(txn), "mdb_txn_commit \(path)")
    }

    private func grow(adoptOnly: Bool) throws {
        pthread_rwlock_wrlock(&gate)
        defer { pthread_rwlock_unlock(&gate) }
        let size = adoptOnly ? 0 : mapSize * 2
        try check(mdb_env_set_mapsize(env, size), "mdb_env_set_mapsize \(size) \(path)")
    }

    /// A `data.mdb` cut short (copied in part, truncated) would crash readers with SIGBUS when they touch
    /// a page past its end: refuse it here. Committed pages are written before the meta page that names
    /// them, so a sound file (even one a writer is extending) always reaches its last committed page.
    private func checkFileLength(_ dataFile: String) throws {
        var info = MDB_envinfo(), st = MDB_stat()
        try check(mdb_env_info(env, &info), "mdb_env_info \(path)")
        try check(mdb_env_stat(env, &st), "mdb_env_stat \(path)")
        // A damaged meta page may name any last page: the product must not overflow (found by thaw-fuzz).
        let (needed, overflow) = (info.me_last_pgno &+ 1).multipliedReportingOverflow(by: Int(st.ms_psize))
        let size = (try? FileManager.default.attributesOfItem(atPath: dataFile)[.size] as? Int) ?? nil
        if overflow || info.me_last_pgno < 0 {
            throw CacheDamage(path: path, page: nil, problem: "its meta page names last page \(info.me_last_pgno), beyond any file")
        }
        if let size, size < needed {
            throw StoreError.io(path: dataFile, problem: "the file is \(size) bytes but its last committed page ends at byte \(needed): "
                                + "it was truncated (an interrupted copy or a damaged disk)",
                                fix: "restore the cache from a complete copy, or re-extract it into a new directory")
        }
    }

    /// Page size, depth and page counts of one database.
    func stat(_ txn: OpaquePointer, _ dbi: MDB_dbi) throws -> MDB_stat {
        var s = MDB_stat()
        try check(mdb_stat(txn, dbi, &s), "mdb_stat \(path)")
        return s
    }
}
