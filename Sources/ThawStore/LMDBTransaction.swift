import CLMDB

/// Which of the cache's two named databases.
public enum CacheDatabase {
    case meta, records
}

/// A read-only view valid only inside `LMDBEnvironment.read`; values are copied out.
public class ReadTransaction {
    let txn: OpaquePointer
    unowned let environment: LMDBEnvironment
    /// False once the transaction is committed or aborted; using it then is a programmer error.
    var live = true

    init(_ txn: OpaquePointer, env: LMDBEnvironment) {
        self.txn = txn
        self.environment = env
    }

    func dbi(_ db: CacheDatabase) -> MDB_dbi {
        precondition(live, "a transaction is valid only inside the read/write closure that received it")
        return db == .meta ? environment.meta : environment.records
    }

    /// The value stored under `key`, or nil.
    public func get(_ db: CacheDatabase, _ key: [UInt8]) throws -> [UInt8]? {
        var k = MDB_val(), v = MDB_val()
        return try key.withUnsafeBytes { kb -> [UInt8]? in
            k.mv_size = kb.count
            k.mv_data = UnsafeMutableRawPointer(mutating: kb.baseAddress)
            let rc = mdb_get(txn, dbi(db), &k, &v)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "mdb_get \(db) \(environment.path)")
            return Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    /// Calls `body(key, value)` for each entry with key ≥ `from` in key order, until it returns false.
    /// The buffers are valid only during the call.
    public func scan(_ db: CacheDatabase, from: [UInt8]? = nil,
                     _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, dbi(db), &cursor), "mdb_cursor_open \(db) \(environment.path)")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val(), v = MDB_val()
        var rc: Int32
        if let from {
            rc = from.withUnsafeBytes { kb -> Int32 in
                k.mv_size = kb.count
                k.mv_data = UnsafeMutableRawPointer(mutating: kb.baseAddress)
                return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
            }
        } else {
            rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        }
        while rc == 0 {
            let keep = try body(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
            if !keep { return }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get \(db) \(environment.path)") }
    }

    /// The greatest key in `db`, or nil if it is empty.
    public func lastKey(_ db: CacheDatabase) throws -> [UInt8]? {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, dbi(db), &cursor), "mdb_cursor_open \(db) \(environment.path)")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val(), v = MDB_val()
        let rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get last \(db) \(environment.path)")
        return Array(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size))
    }

    /// Entry count and page usage of one database.
    public func stat(_ db: CacheDatabase) throws -> MDB_stat {
        try environment.stat(txn, dbi(db))
    }
}

/// A write transaction valid only inside `LMDBEnvironment.write`, which commits it.
public final class WriteTransaction: ReadTransaction {

    /// Stores `value` under `key`, replacing any earlier value. With `append`, `key` must sort
    /// after every key in `db` (MDB_APPEND: pages are filled instead of split in half).
    public func put(_ db: CacheDatabase, _ key: [UInt8], _ value: [UInt8], append: Bool = false) throws {
        var k = MDB_val(), v = MDB_val()
        try key.withUnsafeBytes { kb in
            try value.withUnsafeBytes { vb in
                k.mv_size = kb.count
                k.mv_data = UnsafeMutableRawPointer(mutating: kb.baseAddress)
                v.mv_size = vb.count
                v.mv_data = UnsafeMutableRawPointer(mutating: vb.baseAddress)
                try check(mdb_put(txn, dbi(db), &k, &v, append ? UInt32(MDB_APPEND) : 0), "mdb_put \(db) \(environment.path)")
            }
        }
    }

    /// Deletes `key`; returns false if it was absent.
    @discardableResult
    public func delete(_ db: CacheDatabase, _ key: [UInt8]) throws -> Bool {
        var k = MDB_val()
        return try key.withUnsafeBytes { kb -> Bool in
            k.mv_size = kb.count
            k.mv_data = UnsafeMutableRawPointer(mutating: kb.baseAddress)
            let rc = mdb_del(txn, dbi(db), &k, nil)
            if rc == MDB_NOTFOUND { return false }
            try check(rc, "mdb_del \(db) \(environment.path)")
            return true
        }
    }
}
