import Foundation

/// A cache's description, counts and sizes (for `thaw cache info`).
public struct CacheInfo: Codable, Sendable {
    public struct TapSize: Codable, Sendable {
        public var name: String
        public var bytesPerRecord: Int
    }
    public var path: String
    public var manifest: Manifest
    public var records: Int
    public var expectedRecords: Int
    public var complete: Bool
    /// Records per split name.
    public var recordsPerSplit: [String: Int]
    public var tapBytes: [TapSize]
    /// Mean stored value size (header + id + taps).
    public var meanRecordBytes: Double
    /// LMDB pages (branch + leaf + overflow) of the records database, times the page size, per record.
    public var diskBytesPerRecord: Double
    /// diskBytesPerRecord / meanRecordBytes − 1: space lost to page granularity and B-tree.
    public var pageOverhead: Double
    public var pageSize: Int
    public var overflowPages: Int
    /// Size of data.mdb on disk.
    public var fileBytes: Int
    public var mapSize: Int
}

extension CacheReader {
    /// Counts per split, bytes per tap, page use and file size.
    public func info() throws -> CacheInfo {
        var perSplit = [Int](repeating: 0, count: manifest.splitNames.count)
        var valueBytes = 0
        var records = 0
        var pages = 0, overflow = 0, pageSize = 0
        var complete = false
        try environment.read { txn in
            try txn.scan(.records) { _, v in
                records += 1
                if records % Self.recordsPerRelease == 0 { environment.releaseResidentPages() }   // as `verify` does
                valueBytes += v.count
                if v.count >= Record.headerSize {
                    let split = Int(UInt16(littleEndian: v.loadUnaligned(fromByteOffset: 12, as: UInt16.self)))
                    if split < perSplit.count { perSplit[split] += 1 }
                }
                return true
            }
            let s = try txn.stat(.records)
            pageSize = Int(s.ms_psize)
            overflow = s.ms_overflow_pages
            pages = s.ms_branch_pages + s.ms_leaf_pages + s.ms_overflow_pages
            complete = try txn.get(.meta, MetaKey.complete) == MetaKey.yes
        }
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path + "/data.mdb")[.size] as? Int) ?? 0
        let mean = records > 0 ? Double(valueBytes) / Double(records) : 0
        let disk = records > 0 ? Double(pages * pageSize) / Double(records) : 0
        return CacheInfo(
            path: path, manifest: manifest, records: records, expectedRecords: manifest.expectedRecordCount,
            complete: complete,
            recordsPerSplit: Dictionary(uniqueKeysWithValues: zip(manifest.splitNames, perSplit)),
            tapBytes: manifest.taps.map { .init(name: $0.name, bytesPerRecord: $0.byteCount) },
            meanRecordBytes: mean, diskBytesPerRecord: disk, pageOverhead: mean > 0 ? disk / mean - 1 : 0,
            pageSize: pageSize, overflowPages: overflow, fileBytes: fileBytes, mapSize: environment.mapSize)
    }
}
