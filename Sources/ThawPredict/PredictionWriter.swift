import Foundation

/// Writes prediction rows as CSV or JSON Lines (chosen by the extension) to a temporary file beside
/// `path`, renamed over `path` only by `finish()`: an interrupted or failed run leaves no partial
/// file at `path` (the temporary one is removed by `discard()` or on the next run's rename).
public final class PredictionWriter {
    public enum Format { case csv, jsonl }
    public let path: String
    public let format: Format
    private let temporary: String
    private let handle: FileHandle
    private let top: Int
    private var buffer = Data()

    public init(path: String, top: Int) throws {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { format = .csv } else if lower.hasSuffix(".jsonl") { format = .jsonl } else {
            throw PredictError(file: path, problem: "has neither a .csv nor a .jsonl extension", fix: "name the output preds.csv or preds.jsonl")
        }
        self.path = path
        self.top = top
        let url = URL(fileURLWithPath: path)
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let h = FileHandle(forWritingAtPath: temporary) else {
            throw PredictError(file: path, problem: "cannot be written (its folder is missing or not writable)", fix: "choose a writable --output path")
        }
        handle = h
        if format == .csv {
            var header = ["index", "id", "label", "predicted", "probability"]
            for k in 1...top { header += ["top\(k)_label", "top\(k)_probability"] }
            buffer.append(Data((header.joined(separator: ",") + "\n").utf8))
        }
    }

    public func write(_ rows: [PredictionRow]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for r in rows {
            switch format {
            case .jsonl:
                buffer.append(try encoder.encode(r))
                buffer.append(0x0A)
            case .csv:
                var fields = [String(r.index), Self.csv(r.id), Self.csv(r.label ?? ""), Self.csv(r.predicted), Self.number(r.probability)]
                for k in 0..<top {
                    fields += k < r.top.count ? [Self.csv(r.top[k].label), Self.number(r.top[k].probability)] : ["", ""]
                }
                buffer.append(Data((fields.joined(separator: ",") + "\n").utf8))
            }
        }
        if buffer.count > 1 << 20 { try flush() }
    }

    /// Flushes, syncs and renames the file into place.
    public func finish() throws {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            discard()
            throw PredictError(file: path, problem: "cannot be written (\(error.localizedDescription))", fix: "free disk space or choose another --output")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw PredictError(file: path, problem: "cannot be put in place (\(reason))", fix: "choose a writable --output path")
        }
    }

    /// Removes the temporary file (after an error).
    public func discard() {
        try? handle.close()
        unlink(temporary)
    }

    private func flush() throws {
        do { try handle.write(contentsOf: buffer) } catch {
            discard()
            throw PredictError(file: path, problem: "cannot be written (\(error.localizedDescription))", fix: "free disk space or choose another --output")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    static func number(_ x: Float) -> String { x.isFinite ? String(format: "%.6g", x) : "" }

    /// RFC 4180: quoted when it holds a comma, quote or line break.
    static func csv(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
