import Foundation
import ThawCore

/// Reads the safetensors format: u64 LE header length, a JSON header
/// `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`,
/// then the byte buffer the offsets point into (offsets are relative to the buffer's start).
enum SafetensorsReader {
    /// Headers beyond this size are refused before being read (the reference library uses 100 MB).
    static let maxHeaderBytes = 100_000_000

    static func read(_ data: Data, path: String) throws -> WeightFile {
        var reader = ByteReader(data, file: path)
        let headerLength = try reader.uint(UInt64.self, "the 8-byte header length")
        guard headerLength <= UInt64(maxHeaderBytes) else {
            throw FileError(file: path, problem: "safetensors header length \(headerLength) exceeds the \(maxHeaderBytes)-byte limit",
                            fix: "This is not a valid safetensors file; export it again.")
        }
        guard headerLength <= UInt64(reader.remaining) else {
            throw FileError(file: path, problem: "safetensors header length \(headerLength) runs past the end of the \(data.count)-byte file",
                            fix: FileError.redownload)
        }
        let headerBytes = try reader.bytes(Int(headerLength), "the JSON header")
        let bufferStart = reader.offset
        let bufferSize = data.count - bufferStart

        let json: Any
        do { json = try JSONSerialization.jsonObject(with: headerBytes) } catch {
            throw FileError(file: path, problem: "safetensors header is not valid JSON", fix: FileError.redownload)
        }
        guard let header = json as? [String: Any] else {
            throw FileError(file: path, problem: "safetensors header is not a JSON object", fix: FileError.redownload)
        }
        if let repeated = JSONDuplicateKeys.first(in: headerBytes) {
            throw FileError(file: path, problem: "safetensors header names '\(repeated)' twice, so one entry would silently replace the other",
                            fix: "The header is ambiguous: export the file again (safetensors' save_file writes each name once).")
        }

        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: WeightDType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let meta = value as? [String: Any] else {
                    throw FileError(file: path, problem: "__metadata__ is not an object", fix: FileError.redownload)
                }
                for (k, v) in meta { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            func bad(_ problem: String) -> FileError {
                FileError(file: path, problem: "tensor '\(name)': \(problem)", fix: "The header is inconsistent: export the file again.")
            }
            guard let info = value as? [String: Any] else { throw bad("entry is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw bad("missing dtype") }
            guard let dtype = WeightDType(rawValue: dtypeName) else {
                throw FileError(file: path, problem: "tensor '\(name)' has unsupported dtype '\(dtypeName)'",
                                fix: "Thaw reads \(WeightDType.allCases.map(\.rawValue).joined(separator: " ")); convert the tensor (e.g. .float()) and save again.")
            }
            guard let shapeAny = info["shape"] as? [Any], let shape = integers(shapeAny) else { throw bad("shape is not a list of integers") }
            guard let offsetsAny = info["data_offsets"] as? [Any], let offsets = integers(offsetsAny), offsets.count == 2 else {
                throw bad("data_offsets is not a pair of integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard shape.allSatisfy({ $0 >= 0 }) else { throw bad("negative dimension in shape \(shape)") }
            guard begin >= 0, begin <= end else { throw bad("data_offsets [\(begin), \(end)] are reversed or negative") }
            guard end <= bufferSize else {
                throw bad("data_offsets [\(begin), \(end)] run past the \(bufferSize)-byte data buffer")
            }
            guard let count = checkedElementCount(shape), count.multipliedReportingOverflow(by: dtype.itemSize).partialValue == end - begin,
                  !count.multipliedReportingOverflow(by: dtype.itemSize).overflow else {
                throw bad("shape \(shape) of \(dtypeName) needs a different size than the \(end - begin) bytes at [\(begin), \(end)]")
            }
            entries.append((name, dtype, shape, begin, end))
        }

        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var lastEnd = 0
        var lastName = ""
        for e in entries where e.end > e.begin {
            guard e.begin >= lastEnd else {
                throw FileError(file: path, problem: "tensors '\(lastName)' and '\(e.name)' overlap in the data buffer",
                                fix: "The header is inconsistent: export the file again.")
            }
            lastEnd = e.end
            lastName = e.name
        }
        let tensors = entries.map {
            WeightTensor(name: $0.name, dtype: $0.dtype, shape: $0.shape,
                         bytes: data[(bufferStart + $0.begin)..<(bufferStart + $0.end)])
        }
        return WeightFile(path: path, format: .safetensors, tensors: tensors, metadata: metadata)
    }

    /// JSON integer literals, or nil: `true`/`false` (which bridge to NSNumber 1/0) and
    /// fractional literals such as `2.0` are refused, as the reference library does.
    private static func integers(_ values: [Any]) -> [Int]? {
        var out: [Int] = []
        for v in values {
            guard let n = v as? NSNumber, !["c", "B", "f", "d"].contains(String(cString: n.objCType)) else { return nil }
            let d = n.doubleValue
            guard d == d.rounded(), d.magnitude < 9.0e15 else { return nil }
            out.append(Int(d))
        }
        return out
    }
}

/// Product of dimensions, or nil on overflow.
func checkedElementCount(_ shape: [Int]) -> Int? {
    var n = 1
    for d in shape {
        let (p, o) = n.multipliedReportingOverflow(by: d)
        if o { return nil }
        n = p
    }
    return n
}
