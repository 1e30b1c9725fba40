/// A structural check of an LMDB file (`data.mdb`, LMDB 0.9 format), run before LMDB follows any
/// page of it. LMDB trusts its pages: a flipped page number, node offset or size in a branch or
/// leaf page makes it read outside the map (SIGSEGV/SIGBUS) or fail an assertion (abort). This walk
/// reads the same pages with bounds checks and stops at the first page LMDB could not follow safely.
///
/// On-disk layout (lmdb `mdb.c`, little-endian, 64-bit `pgno_t`):
/// - page header, 16 bytes: `pgno` u64 @0, pad u16 @8, `flags` u16 @10, then `lower` u16 @12 and
///   `upper` u16 @14 (branch/leaf) or `pages` u32 @12 (overflow); `lower` ends the node-offset
///   array `ptrs[n]` (u16 each, from byte 16), `upper` starts the nodes (which fill to the page end).
/// - node, 8 bytes + key + data: `lo` u16, `hi` u16, `flags` u16, `ksize` u16. Leaf: data size
///   = lo | hi << 16; with F_BIGDATA the data is the u64 number of an overflow run. Branch: child
///   page = lo | hi << 16 | flags << 32.
/// - meta pages 0 and 1 (`P_META`): magic @16, version @20, `dbs[FREE]` @40, `dbs[MAIN]` @88
///   (48 bytes each: pad/page size u32, flags u16, depth u16, branch, leaf, overflow pages,
///   entries, root — u64 each), `last_pg` @136, `txnid` @144. The newest valid meta is current.
/// - the main tree's leaves name the sub-databases (F_SUBDATA, a 48-byte record each).
///
/// Checked: every page number within the file and the meta's last page, reached once (no cycles,
/// no shared pages), its header naming itself, the page kind matching its level, `lower`/`upper`
/// and every node inside the page, keys in order, overflow runs inside the file, the free-page
/// lists well formed (keyed by past transaction ids, in order) and disjoint from live pages, and each tree's counts and depth equal to its record.
struct LMDBPageWalk {
    /// A page LMDB must not follow, and why.
    struct Problem: Error {
        var page: Int?
        var problem: String
    }

    /// What the walk saw (for tests and the fuzzer).
    struct Summary: Equatable {
        var pageSize = 0
        var lastPage = 0
        var txnid: UInt64 = 0
        /// Sub-database name → entries.
        var entries: [String: Int] = [:]
    }

    static let headerSize = 16, nodeHeader = 8, recordSize = 48
    static let branchFlag = 0x01, leafFlag = 0x02, overflowFlag = 0x04, metaFlag = 0x08
    static let bigData = 0x01, subData = 0x02
    static let magic: UInt32 = 0xBEEF_C0DE, version: UInt32 = 1
    static let invalidPage = UInt64.max
    /// LMDB's default `mdb_env_get_maxkeysize`.
    static let maxKeySize = 511
    /// LMDB's cursor stack (CURSOR_STACK): deeper trees cannot be searched.
    static let maxDepth = 32

    /// The record of one B-tree (`MDB_db`).
    struct TreeRecord {
        var flags = 0, depth = 0
        var branchPages: UInt64 = 0, leafPages: UInt64 = 0, overflowPages: UInt64 = 0, entries: UInt64 = 0
        var root: UInt64 = invalidPage
    }

    enum Tree {
        case free, main, named(String)
        /// The free list's keys are native integers; the others sort as bytes.
        var byteOrderKeys: Bool { if case .free = self { return false } else { return true } }
        var label: String {
            switch self {
            case .free: return "the free-page list"
            case .main: return "the table of databases"
            case .named(let n): return "database `\(n)`"
            }
        }
    }

    let file: UnsafeRawBufferPointer
    private(set) var pageSize = 0
    private(set) var lastPage = 0
    private var txnid: UInt64 = 0
    private var live: [UInt64] = []      // bitmap: pages reached from a tree
    private var freed: [UInt64] = []     // bitmap: pages on the free lists
    private var named: [(String, TreeRecord)] = []
    /// Called after every `releaseEvery` pages read (nil: never); see `check`.
    private let release: (() -> Void)?
    private var pagesRead = 0

    /// Pages read between two `release` calls: 16 MiB of 4 KiB pages.
    static let releaseEvery = 4096

    /// Checks `file` (the whole `data.mdb`) against the meta whose transaction id is `txnid`
    /// (nil: the newest valid one, as LMDB picks it); `pageSize` when the caller knows it.
    /// The named databases walked are those listed in `databases` (others are never opened).
    /// `release`, given for a file mapping, drops the pages read so far from the resident set: the walk
    /// reads every branch and leaf page and the first page of every overflow run — on a cache of
    /// pooled f16 vectors (one page per record) that is the whole file, which would otherwise stay
    /// resident until the mapping ends and set the process's peak RSS (100,000 records: a 394 MB file, ≥ 418 MiB peak).
    static func check(_ file: UnsafeRawBufferPointer, txnid: UInt64? = nil, pageSize: Int? = nil,
                      databases: Set<String> = ["meta", "records"], release: (() -> Void)? = nil) throws -> Summary {
        var walk = LMDBPageWalk(file: file, release: release)
        return try walk.run(txnid: txnid, pageSize: pageSize, databases: databases)
    }

    private init(file: UnsafeRawBufferPointer, release: (() -> Void)? = nil) { self.file = file; self.release = release }

    /// Thrown when no meta page carries the requested transaction id (a writer moved on: retry).
    struct MetaMoved: Error {}

    private mutating func run(txnid wanted: UInt64?, pageSize knownSize: Int?, databases: Set<String>) throws -> Summary {
        guard file.count >= 2 * 512 else { throw Problem(page: nil, problem: "the file is \(file.count) bytes, shorter than its two meta pages") }
        let size = knownSize ?? Int(u32(40))
        guard size >= 512, size <= 65_536, size & (size - 1) == 0 else {
            throw Problem(page: 0, problem: "the page size \(size) in meta page 0 is not a power of two between 512 and 65536")
        }
        guard file.count >= 2 * size else { throw Problem(page: nil, problem: "the file is \(file.count) bytes, shorter than its two meta pages") }
        pageSize = size
        // The meta pages: valid ones, then the one wanted.
        let metas = try metaPages(pageSize: size)
        let meta: Int
        if let wanted {
            guard let m = metas.first(where: { $0.txnid == wanted }) else { throw MetaMoved() }
            meta = m.offset
        } else {
            meta = metas.max { $0.txnid < $1.txnid }!.offset
        }
        let metaPage = meta / size
        let last = u64(meta + 136)
        guard last >= 1, last < UInt64(file.count / size) else {
            throw Problem(page: metaPage, problem: "meta page \(metaPage) says the last page is \(last) but the file holds \(file.count / size) pages")
        }
        lastPage = Int(last)
        live = [UInt64](repeating: 0, count: lastPage / 64 + 1)
        freed = live
        txnid = u64(meta + 144)
        var summary = Summary(pageSize: size, lastPage: lastPage, txnid: txnid)

        let free = record(at: meta + 40), main = record(at: meta + 88)
        guard main.flags == 0 else {
            throw Problem(page: metaPage, problem: "the table of databases has flags \(main.flags) (Thaw writes 0)")
        }
        try walkTree(.free, free)
        try walkTree(.main, main)
        for (name, rec) in named where databases.contains(name) {
            guard rec.flags == 0 else {
                throw Problem(page: nil, problem: "database `\(name)` has flags \(rec.flags) (Thaw writes 0: no duplicate keys, byte-order keys)")
            }
            try walkTree(.named(name), rec)
            summary.entries[name] = Int(rec.entries)
        }
        // A page both on a free list and in a tree would be handed out again by the next writer.
        for (i, word) in freed.enumerated() where word & live[i] != 0 {
            let page = i * 64 + (word & live[i]).trailingZeroBitCount
            throw Problem(page: page, problem: "page \(page) is both in use and listed as free")
        }
        return summary
    }

    /// The valid meta pages (offset, transaction id). Each must state the page size: LMDB takes the
    /// newest meta's and maps its other meta page there (a damaged size made it read past the file:
    /// SIGBUS inside `mdb_env_open`, found by thaw-fuzz).
    private func metaPages(pageSize size: Int) throws -> [(offset: Int, txnid: UInt64)] {
        var metas: [(offset: Int, txnid: UInt64)] = []
        for p in 0..<2 {
            let o = p * size
            guard u16(o + 10) & Self.metaFlag != 0, u32(o + 16) == Self.magic, u32(o + 20) == Self.version else { continue }
            guard Int(u32(o + 40)) == size else {
                throw Problem(page: p, problem: "meta page \(p) states page size \(u32(o + 40)), the file's is \(size)")
            }
            metas.append((o, u64(o + 144)))
        }
        guard !metas.isEmpty else { throw Problem(page: 0, problem: "neither meta page (0, 1) has LMDB's magic number and version 1") }
        return metas
    }

    /// Checks only the two meta pages, before LMDB opens the file (it trusts their page size).
    static func checkMetaPages(_ file: UnsafeRawBufferPointer) throws {
        let walk = LMDBPageWalk(file: file)
        guard file.count >= 2 * 512 else { throw Problem(page: nil, problem: "the file is \(file.count) bytes, shorter than its two meta pages") }
        let size = Int(walk.u32(40))
        guard size >= 512, size <= 65_536, size & (size - 1) == 0 else {
            throw Problem(page: 0, problem: "the page size \(size) in meta page 0 is not a power of two between 512 and 65536")
        }
        guard file.count >= 2 * size else { throw Problem(page: nil, problem: "the file is \(file.count) bytes, shorter than its two meta pages") }
        _ = try walk.metaPages(pageSize: size)
    }

    // MARK: - One tree

    private mutating func walkTree(_ tree: Tree, _ rec: TreeRecord) throws {
        if rec.root == Self.invalidPage {
            guard rec.depth == 0, rec.entries == 0, rec.branchPages == 0, rec.leafPages == 0, rec.overflowPages == 0 else {
                throw Problem(page: nil, problem: "\(tree.label) has no root page but its record counts \(rec.entries) entries")
            }
            return
        }
        guard rec.depth >= 1, rec.depth <= Self.maxDepth else {
            throw Problem(page: nil, problem: "\(tree.label) has depth \(rec.depth) (LMDB searches at most \(Self.maxDepth) levels)")
        }
        var seen = TreeRecord()
        var stack: [(page: UInt64, level: Int)] = [(rec.root, 1)]
        while let (number, level) = stack.popLast() {
            let p = try claim(number, tree: tree, what: "page")
            let o = p * pageSize
            let isLeaf = level == rec.depth
            let flags = u16(o + 10)
            guard flags == (isLeaf ? Self.leafFlag : Self.branchFlag) else {
                throw Problem(page: p, problem: "\(tree.label): page \(p) at level \(level) of \(rec.depth) has flags 0x\(String(flags, radix: 16)), expected a \(isLeaf ? "leaf" : "branch") page")
            }
            let lower = u16(o + 12), upper = u16(o + 14)
            guard lower >= Self.headerSize, (lower - Self.headerSize) % 2 == 0, lower <= upper, upper <= pageSize else {
                throw Problem(page: p, problem: "\(tree.label): page \(p) has lower \(lower) and upper \(upper) outside its \(pageSize) bytes")
            }
            let count = (lower - Self.headerSize) / 2
            guard count >= 1 || (isLeaf && level == 1) else {
                throw Problem(page: p, problem: "\(tree.label): \(isLeaf ? "leaf" : "branch") page \(p) holds no nodes")
            }
            if isLeaf { seen.leafPages += 1 } else { seen.branchPages += 1 }
            var previousKey: (Int, Int)?
            var previousTxnid: UInt64 = 0
            for i in 0..<count {
                let at = u16(o + Self.headerSize + 2 * i)
                guard at >= upper, at % 2 == 0, at + Self.nodeHeader <= pageSize else {
                    throw Problem(page: p, problem: "\(tree.label): page \(p) node \(i) starts at \(at), outside the node area \(upper)..<\(pageSize)")
                }
                let n = o + at
                let lo = u16(n), hi = u16(n + 2), nodeFlags = u16(n + 4), keySize = u16(n + 6)
                let keyEnd = at + Self.nodeHeader + keySize
                guard keySize <= Self.maxKeySize, keyEnd <= pageSize else {
                    throw Problem(page: p, problem: "\(tree.label): page \(p) node \(i) has a \(keySize)-byte key that does not fit")
                }
                let key = (n + Self.nodeHeader, keySize)
                // A branch's first key is implicit (any bytes); the free list's keys are native integers.
                if tree.byteOrderKeys && (isLeaf || i > 0) {
                    if let prev = previousKey, compareKeys(prev, key) >= 0 {
                        throw Problem(page: p, problem: "\(tree.label): page \(p) keys \(i - 1) and \(i) are out of order")
                    }
                    previousKey = key
                }
                if case .free = tree, isLeaf || i > 0 {
                    // Free-list keys: the id of the transaction that freed the pages, 1...this snapshot's,
                    // ascending. LMDB takes key 0 for "nothing consumed" and would hand its pages out twice
                    // (an assertion in mdb_page_dirty; found by thaw-fuzz).
                    let k = keySize == 8 ? u64(key.0) : 0
                    guard keySize == 8, k >= 1, k <= txnid, k > previousTxnid else {
                        throw Problem(page: p, problem: "the free-page list: page \(p) node \(i) has key \(keySize == 8 ? String(k) : "of \(keySize) bytes"), not a transaction id after \(previousTxnid) up to \(txnid)")
                    }
                    previousTxnid = k
                }
                if !isLeaf {
                    stack.append((UInt64(lo) | UInt64(hi) << 16 | UInt64(nodeFlags) << 32, level + 1))
                    continue
                }
                seen.entries += 1
                try checkLeafNode(tree, page: p, node: i, at: at, dataSize: lo | hi << 16, flags: nodeFlags, key: key, keyEnd: keyEnd, overflow: &seen.overflowPages)
            }
        }
        let counts = [("branch pages", seen.branchPages, rec.branchPages), ("leaf pages", seen.leafPages, rec.leafPages),
                      ("overflow pages", seen.overflowPages, rec.overflowPages), ("entries", seen.entries, rec.entries)]
        for (what, found, recorded) in counts where found != recorded {
            throw Problem(page: nil, problem: "\(tree.label) holds \(found) \(what) but its record says \(recorded)")
        }
    }

    private mutating func checkLeafNode(_ tree: Tree, page p: Int, node i: Int, at: Int, dataSize: Int, flags: Int,
                                        key: (Int, Int), keyEnd: Int, overflow: inout UInt64) throws {
        let data: (offset: Int, count: Int)
        switch tree {
        case .main:
            guard flags == Self.subData, dataSize == Self.recordSize, keyEnd + dataSize <= pageSize else {
                throw Problem(page: p, problem: "\(tree.label): page \(p) node \(i) is not a database record (flags \(flags), \(dataSize) bytes)")
            }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: file[key.0..<(key.0 + key.1)]), as: UTF8.self)
            named.append((name, record(at: p * pageSize + keyEnd)))
            return
        case .free, .named:
            if flags == 0 {
                guard keyEnd + dataSize <= pageSize else {
                    throw Problem(page: p, problem: "\(tree.label): page \(p) node \(i) has \(dataSize) bytes of data that run past the page end")
                }
                data = (p * pageSize + keyEnd, dataSize)
            } else if flags == Self.bigData {
                guard keyEnd + 8 <= pageSize else {
                    throw Problem(page: p, problem: "\(tree.label): page \(p) node \(i) has no room for its overflow page number")
                }
                let first = u64(p * pageSize + keyEnd)
                let needed = (Self.headerSize + dataSize + pageSize - 1) / pageSize
                let start = try claim(first, tree: tree, what: "overflow page (from page \(p) node \(i))")
                let o = start * pageSize
                let runLength = Int(u32(o + 12))
                guard u16(o + 10) == Self.overflowFlag, runLength >= needed, start + runLength - 1 <= lastPage else {
                    throw Problem(page: start, problem: "\(tree.label): overflow page \(start) (flags 0x\(String(u16(o + 10), radix: 16)), \(runLength) pages) cannot hold the \(dataSize) bytes of page \(p) node \(i) within the file's \(lastPage + 1) pages")
                }
                for q in (start + 1)..<(start + runLength) { _ = try claim(UInt64(q), tree: tree, what: "overflow page") }
                overflow += UInt64(runLength)
                data = (o + Self.headerSize, dataSize)
            } else {
                throw Problem(page: p, problem: "\(tree.label): page \(p) node \(i) has flags \(flags) (Thaw stores plain values or overflow runs)")
            }
        }
        if case .free = tree { try checkFreeList(page: p, node: i, data: data) }
    }

    /// A free-list value is `n` then `n` page numbers (u64 each), all within the file.
    private mutating func checkFreeList(page p: Int, node i: Int, data: (offset: Int, count: Int)) throws {
        guard data.count >= 8, data.count % 8 == 0, u64(data.offset) == UInt64(data.count / 8 - 1) else {
            throw Problem(page: p, problem: "the free-page list at page \(p) node \(i) is malformed (\(data.count) bytes)")
        }
        for k in 1..<(data.count / 8) {
            let q = u64(data.offset + 8 * k)
            guard q >= 2, q <= UInt64(lastPage) else {
                throw Problem(page: p, problem: "the free-page list at page \(p) node \(i) names page \(q), outside pages 2...\(lastPage)")
            }
            let (w, b) = (Int(q) / 64, UInt64(1) << (q % 64))
            guard freed[w] & b == 0 else { throw Problem(page: Int(q), problem: "page \(q) is listed as free twice") }
            freed[w] |= b
        }
    }

    // MARK: - Reading

    /// Checks a page number LMDB would follow and marks it reached; throws if it was reached before.
    private mutating func claim(_ number: UInt64, tree: Tree, what: String) throws -> Int {
        guard number >= 2, number <= UInt64(lastPage) else {
            throw Problem(page: nil, problem: "\(tree.label) points to \(what) \(number), outside pages 2...\(lastPage)")
        }
        let p = Int(number)
        let (w, b) = (p / 64, UInt64(1) << (p % 64))
        guard live[w] & b == 0 else { throw Problem(page: p, problem: "\(tree.label) reaches page \(p) twice (a loop or a shared page)") }
        live[w] |= b
        if what == "page" || what.hasPrefix("overflow page (") {
            pagesRead += 1
            if pagesRead % Self.releaseEvery == 0 { release?() }
            let stored = u64(p * pageSize)
            guard stored == number else {
                throw Problem(page: p, problem: "\(tree.label): page \(p) has page number \(stored) in its header")
            }
        }
        return p
    }

    private func record(at o: Int) -> TreeRecord {
        TreeRecord(flags: u16(o + 4), depth: u16(o + 6), branchPages: u64(o + 8), leafPages: u64(o + 16),
                   overflowPages: u64(o + 24), entries: u64(o + 32), root: u64(o + 40))
    }

    /// LMDB's default key order (`mdb_cmp_memn`): bytes, then the shorter key first.
    private func compareKeys(_ a: (Int, Int), _ b: (Int, Int)) -> Int {
        let n = min(a.1, b.1)
        for k in 0..<n where file[a.0 + k] != file[b.0 + k] { return Int(file[a.0 + k]) - Int(file[b.0 + k]) }
        return a.1 - b.1
    }

    // Offsets are within the file: every caller checked the page (and the node inside it) first.
    private func u16(_ o: Int) -> Int { Int(file.loadUnaligned(fromByteOffset: o, as: UInt16.self).littleEndian) }
    private func u32(_ o: Int) -> UInt32 { file.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian }
    private func u64(_ o: Int) -> UInt64 { file.loadUnaligned(fromByteOffset: o, as: UInt64.self).littleEndian }
}
