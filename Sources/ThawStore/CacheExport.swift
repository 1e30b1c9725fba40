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
    public func export(tap name: String, to tapFile: String, labelsTo labelsFile: String,
                       split: String? = nil) throws -> ExportResult {
        let t = try tapIndex(name)
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
}
