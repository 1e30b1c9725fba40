import Foundation

/// What `export` wrote.
public struct ExportResult: Codable, Sendable {
    public var tapFile: String
    public var labelsFile: String
    /// Rows written: one per record, in key order.
    public var rows: Int
    /// Shape of the tap array, rows first.
    public var shape: [Int]
}

extension CacheReader {
    /// Writes one tap of every record (optionally of one split) as float32 `.npy` of shape
    /// [rows, *tap.shape], and the labels as int32 `.npy` of shape [rows], rows in key order.
    /// Refuses an output inside a cache folder (this one or another: it could replace `data.mdb`)
    /// and a cache whose extraction has not finished unless `allowIncomplete`.
    public func export(tap name: String, to tapFile: String, labelsTo labelsFile: String,
                       split: String? = nil, allowIncomplete: Bool = false) throws -> ExportResult {
        let t = try tapIndex(name)
        for file in [tapFile, labelsFile] { try Self.checkOutsideCaches(file, cache: path) }
        guard Self.resolved(tapFile) != Self.resolved(labelsFile) else {
            throw StoreError.io(path: tapFile, problem: "is named for both the tap and the labels", fix: "give the labels another name")
        }
        if !allowIncomplete, try !isComplete() {
            throw StoreError.io(path: path, problem: "the extraction has not finished (\(try recordCount()) of \(manifest.expectedRecordCount) records)",
                                fix: "finish it by re-running the same `thaw extract` command, or pass --allow-incomplete to export what is there")
        }
        var splitIndex: Int?
        if let split {
            guard let s = manifest.splitNames.firstIndex(of: split) else {
                throw StoreError.io(path: path, problem: "no split named \"\(split)\"",
                                    fix: "choose one of \(manifest.splitNames.joined(separator: ", "))")
            }
            splitIndex = s
        }
        // First pass counts rows (headers only are cheap next to decoding); the second writes.
        var rows = 0
        try forEach { s in
            if splitIndex == nil || s.split == splitIndex { rows += 1 }
            return true
        }
        let shape = [rows] + manifest.taps[t].shape
        let tapOut = try NPYWriter(path: tapFile, descr: "<f4", itemSize: 4, shape: shape)
        let labelOut = try NPYWriter(path: labelsFile, descr: "<i4", itemSize: 4, shape: [rows])
        var written = 0
        try forEach { s in
            guard splitIndex == nil || s.split == splitIndex else { return true }
            guard written < rows else { return false }  // records appended meanwhile are left out
            try s.taps[t].withUnsafeBytes { try tapOut.write($0) }
            try withUnsafeBytes(of: s.label.littleEndian) { try labelOut.write($0) }
            written += 1
            return true
        }
        try tapOut.close()
        try labelOut.close()
        return ExportResult(tapFile: tapFile, labelsFile: labelsFile, rows: rows, shape: shape)
    }

    /// `file` with its folder's links resolved (the file itself need not exist).
    static func resolved(_ file: String) -> String {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
    }

    /// Throws when `file` would land inside `cache` or inside any folder that holds an LMDB cache.
    static func checkOutsideCaches(_ file: String, cache: String) throws {
        let target = resolved(file)
        let cacheFolder = URL(fileURLWithPath: cache).standardizedFileURL.resolvingSymlinksInPath().path
        var folder = URL(fileURLWithPath: target).deletingLastPathComponent()
        while true {
            if folder.path == cacheFolder || FileManager.default.fileExists(atPath: folder.appendingPathComponent("data.mdb").path) {
                throw StoreError.io(path: file, problem: "lies inside the cache folder \(folder.path), where it could overwrite the cache",
                                    fix: "write the export outside the cache, e.g. --output exports/NAME.npy")
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return }
            folder = parent
        }
    }
}
