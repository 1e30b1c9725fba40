/// What `verify` found; `ok` when nothing is wrong.
public struct VerifyReport: Codable, Equatable, Sendable {
    public struct BadRecord: Codable, Equatable, Sendable {
        public var index: Int
        public var view: Int
        public var problem: String
    }
    public var path: String
    public var recordsChecked = 0
    public var expectedRecords = 0
    /// Records whose checksum, size, split or label is wrong.
    public var badRecords: [BadRecord] = []
    /// Keys of the shard range with no record (count, and the first 100).
    public var missingCount = 0
    public var missing: [String] = []
    /// Keys outside the shard range or of the wrong length.
    public var unexpectedKeys: [String] = []
    /// Disagreements between `meta` and the records.
    public var metaProblems: [String] = []

    public var ok: Bool { badRecords.isEmpty && missingCount == 0 && unexpectedKeys.isEmpty && metaProblems.isEmpty }

    /// One line per problem, or "ok".
    public var summary: String {
        if ok { return "\(path): ok, \(recordsChecked) records, all checksums match" }
        var lines = ["\(path): \(recordsChecked) records checked, \(expectedRecords) expected"]
        lines += badRecords.map { "  bad record #\($0.index)\($0.view > 0 ? " view \($0.view)" : ""): \($0.problem)" }
        if missingCount > 0 {
            lines.append("  \(missingCount) missing: \(missing.joined(separator: " "))\(missingCount > missing.count ? " …" : "")")
        }
        lines += unexpectedKeys.map { "  unexpected key \($0)" }
        lines += metaProblems.map { "  meta: \($0)" }
        return lines.joined(separator: "\n")
    }
}

extension CacheReader {
    /// Records read between two `releaseResidentPages` calls in whole-cache scans (`verify`, `info`):
    /// 16 MiB of 4 KiB pages when each record takes one page.
    static let recordsPerRelease = 4096

    /// Re-checks every record's checksum and size, that each key of the shard range is present
    /// exactly once and no other key is, and that the `complete` flag agrees with the records.
    public func verify() throws -> VerifyReport {
        var report = VerifyReport(path: path)
        report.expectedRecords = manifest.expectedRecordCount
        let range = manifest.indexRange
        let views = manifest.views
        let withViews = views > 1
        var next = (range.lowerBound, 0)  // the key expected next, to find gaps in one pass
        func noteMissing(upTo key: (Int, Int)) {
            while next < key && next.0 < range.upperBound {
                report.missingCount += 1
                if report.missing.count < 100 { report.missing.append(CacheKey(index: next.0, view: next.1).description) }
                next = next.1 + 1 < views ? (next.0, next.1 + 1) : (next.0 + 1, 0)
            }
        }
        try environment.read { txn in
            try txn.scan(.records) { k, v in
                report.recordsChecked += 1
                // Every value is read: drop the mapped pages as we go, or a big cache ends up resident whole.
                if report.recordsChecked % Self.recordsPerRelease == 0 { environment.releaseResidentPages() }
                guard let key = CacheKey(k, withViews: withViews) else {
                    report.unexpectedKeys.append("\(Array(k)) (length \(k.count), expected \(withViews ? 10 : 8))")
                    return true
                }
                guard range.contains(key.index) && key.view < views else {
                    report.unexpectedKeys.append("\(key) (outside range \(range), views \(views))")
                    return true
                }
                noteMissing(upTo: (key.index, key.view))
                next = key.view + 1 < views ? (key.index, key.view + 1) : (key.index + 1, 0)
                if let problem = Record.problem(v, manifest: manifest) {
                    report.badRecords.append(.init(index: key.index, view: key.view, problem: problem))
                }
                return true
            }
            noteMissing(upTo: (range.upperBound, 0))
            let flag = try txn.get(.meta, MetaKey.complete)
            let allThere = report.missingCount == 0
            if flag == MetaKey.yes && !allThere { report.metaProblems.append("complete=true but records are missing") }
            if flag != MetaKey.yes && flag != MetaKey.no { report.metaProblems.append("`complete` is neither true nor false") }
            if flag == MetaKey.no && allThere { report.metaProblems.append("all records present but complete=false (reopen with the writer to set it)") }
        }
        return report
    }
}
