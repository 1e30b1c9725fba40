import CCrashGuard
import CLMDB
import Foundation

extension LMDBEnvironment {
    /// The message the crash guard prints if LMDB dies of a signal on this cache (owned by the environment).
    static func crashMessage(for path: String) -> UnsafeMutablePointer<CChar> {
        strdup("The cache at \(path) is damaged: LMDB followed a page that is not sound. Run `thaw cache verify \(path)` "
               + "to find the damaged page. Fix: \(CacheDamage.fix(path)).")!
    }

    /// Runs `body` with the crash guard naming this cache (see `thaw_crash_guard.h`).
    func guarded<T>(_ body: () throws -> T) rethrows -> T {
        let previous = thaw_crash_guard_enter(crashMessage)
        defer { thaw_crash_guard_leave(previous) }
        return try body()
    }

    /// Walks every B-tree page of the snapshot a read transaction sees (`LMDBPageWalk`) before LMDB
    /// follows any of them; throws `CacheDamage` naming the first damaged page.
    ///
    /// The read transaction pins the snapshot: while it is open no writer reuses its pages. A writer
    /// may still rewrite the other meta page, or (two commits on) this one: the walk then finds no
    /// meta with the transaction's id and starts again with a new transaction.
    func checkStructure(dataFile: String) throws {
        var st = MDB_stat()
        try check(mdb_env_stat(env, &st), "mdb_env_stat \(path)")
        for _ in 0..<8 {
            var txn: OpaquePointer?
            try check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin (structure check) \(path)")
            defer { mdb_txn_abort(txn) }
            let id = UInt64(truncatingIfNeeded: mdb_txn_id(txn))   // any 64 bits: a damaged meta may hold them (found by thaw-fuzz)
            do {
                try Self.withMappedFile(dataFile) { file in
                    // The mapping is read-only and shared: dropped pages re-fault from the page cache.
                    _ = try LMDBPageWalk.check(file, txnid: id, pageSize: Int(st.ms_psize)) {
                        _ = madvise(UnsafeMutableRawPointer(mutating: file.baseAddress), file.count, MADV_DONTNEED)
                    }
                }
                return
            } catch is LMDBPageWalk.MetaMoved {
                continue
            } catch let p as LMDBPageWalk.Problem {
                throw CacheDamage(path: path, page: p.page, problem: p.problem)
            }
        }
        throw StoreError.io(path: path, problem: "a writer committed faster than the cache's structure could be checked",
                            fix: "open the cache again (or when the writer has finished)")
    }

    /// Maps `file` read-only for the length of `body`.
    static func withMappedFile<T>(_ file: String, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let fd = open(file, O_RDONLY)
        guard fd >= 0 else {
            throw StoreError.io(path: file, problem: "cannot open (\(String(cString: strerror(errno))))", fix: "check the file's permissions")
        }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else {
            throw StoreError.io(path: file, problem: "cannot find its size (\(String(cString: strerror(errno))))", fix: "check the file")
        }
        let size = Int(end)
        guard size > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else {
            throw StoreError.io(path: file, problem: "cannot map (\(String(cString: strerror(errno))))", fix: "check the free address space and memory limits")
        }
        defer { munmap(map, size) }
        return try body(UnsafeRawBufferPointer(start: map, count: size))
    }
}
