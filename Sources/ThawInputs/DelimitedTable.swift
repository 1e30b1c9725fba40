import Foundation
import ThawCore

/// Rows of a CSV (RFC 4180: quoted fields, doubled quotes, newlines inside quotes) or a JSONL
/// file (one object per line), each with its 1-based line number for error messages.
struct DelimitedTable {
    struct Row { var line: Int; var fields: [String: String] }
    var rows: [Row]
    var columns: [String]

    /// Reads `path`; JSONL when the name ends in `.jsonl`/`.ndjson`, otherwise CSV with a header row.
    init(path: String, required: [String]) throws {
        let data = try FileBytes.read(path, limit: 1 << 30)
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileError(file: path, problem: "is not valid UTF-8", fix: "re-save it as UTF-8")
        }
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "jsonl" || ext == "ndjson" {
            (rows, columns) = try Self.jsonl(text, path: path)
        } else {
            (rows, columns) = try Self.csv(text, path: path)
        }
        for name in required where !columns.contains(name) {
            throw FileError(file: path, problem: "has no column \"\(name)\" (columns: \(columns.joined(separator: ", ")))",
                            fix: "add a header row naming the columns \(required.joined(separator: ","))")
        }
    }

    private static func jsonl(_ text: String, path: String) throws -> ([Row], [String]) {
        var rows: [Row] = []
        var columns = Set<String>()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                throw FileError(file: "\(path):\(i + 1)", problem: "is not a JSON object", fix: "write one {...} object per line")
            }
            var fields: [String: String] = [:]
            for (k, v) in object {
                if let s = v as? String { fields[k] = s } else if !(v is NSNull) { fields[k] = "\(v)" }
                columns.insert(k)
            }
            rows.append(Row(line: i + 1, fields: fields))
        }
        return (rows, columns.sorted())
    }

    private static func csv(_ text: String, path: String) throws -> ([Row], [String]) {
        let records = try parseCSV(text, path: path)
        guard let header = records.first else {
            throw FileError(file: path, problem: "is empty", fix: "write a header row and one row per sample")
        }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var rows: [Row] = []
        for record in records.dropFirst() {
            if record.fields.count == 1 && record.fields[0].isEmpty { continue }  // blank line
            var fields: [String: String] = [:]
            for (k, v) in zip(columns, record.fields) where !v.isEmpty { fields[k] = v }
            rows.append(Row(line: record.line, fields: fields))
        }
        return (rows, columns)
    }

    /// RFC 4180 records with the line each starts on.
    static func parseCSV(_ text: String, path: String) throws -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = [UInt8]()
        var inQuotes = false, line = 1, recordLine = 1
        let bytes = Array(text.utf8)
        var i = 0
        func endField() { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while i < bytes.count {
            let c = bytes[i]
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") { field.append(c); i += 1 } else { inQuotes = false }
                } else {
                    if c == 10 { line += 1 }
                    field.append(c)
                }
            } else if c == UInt8(ascii: "\"") && field.isEmpty {
                inQuotes = true
            } else if c == UInt8(ascii: ",") {
                endField()
            } else if c == 10 || c == 13 {
                if c == 13 && i + 1 < bytes.count && bytes[i + 1] == 10 { i += 1 }
                endField(); records.append((recordLine, fields)); fields = []
                line += 1; recordLine = line
            } else {
                field.append(c)
            }
            i += 1
        }
        if inQuotes {
            throw FileError(file: "\(path):\(recordLine)", problem: "has a quote that is never closed", fix: "close the quoted field")
        }
        if !field.isEmpty || !fields.isEmpty { endField(); records.append((recordLine, fields)) }
        return records
    }
}
