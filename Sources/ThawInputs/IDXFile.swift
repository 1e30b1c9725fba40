import Foundation
import ThawCore

/// An IDX file (MNIST, Fashion-MNIST), gzip'd or not: magic `00 00 <dtype> <ndims>`, big-endian
/// u32 dims, then the data. Only dtype 0x08 (u8) is accepted; every count is checked against the file.
public struct IDXFile: Sendable {
    public var path: String
    /// e.g. [10000, 28, 28] for images, [10000] for labels.
    public var dims: [Int]
    /// The u8 payload, [dims...]
    public var data: Data

    /// Largest payload accepted (bytes).
    public static let maxBytes = 1 << 31

    public init(path: String) throws {
        self.path = path
        let bytes = try FileBytes.read(path, limit: IDXFile.maxBytes + 64)
        func bad(_ problem: String) -> FileError {
            FileError(file: path, problem: problem, fix: "use an IDX file as published (e.g. train-images-idx3-ubyte.gz)")
        }
        guard bytes.count >= 4 else { throw bad("is too short for an IDX header (\(bytes.count) bytes)") }
        let b = [UInt8](bytes.prefix(4 + 4 * 8))
        guard b[0] == 0, b[1] == 0 else { throw bad("has no IDX magic (first bytes \(b[0]), \(b[1]) should be 0, 0)") }
        guard b[2] == 0x08 else { throw bad(String(format: "has IDX dtype 0x%02X; only 0x08 (unsigned byte) is supported", b[2])) }
        let n = Int(b[3])
        guard (1...4).contains(n) else { throw bad("declares \(n) dimensions; 1 to 4 are supported") }
        guard bytes.count >= 4 + 4 * n else { throw bad("is truncated inside its header") }
        var dims: [Int] = []
        var total = 1
        for i in 0..<n {
            let o = 4 + 4 * i
            let d = Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
            // Only the item count may be 0: a 0×0 image has no pixels to resize (0/0 → NaN → trap).
            guard i == 0 || d > 0 else { throw bad("declares dims \(dims + [d]) with an empty dimension after the count") }
            dims.append(d)
            total = total.multipliedReportingOverflow(by: d).overflow ? Int.max : total * d
            guard total <= IDXFile.maxBytes else { throw bad("declares more than \(IDXFile.maxBytes) bytes of data") }
        }
        let payload = bytes.count - (4 + 4 * n)
        guard payload == total else {
            throw bad("holds \(payload) data bytes but its dims \(dims) need \(total)")
        }
        self.dims = dims
        self.data = bytes.subdata(in: (4 + 4 * n)..<bytes.count)
    }

    /// Number of items (the first dimension).
    public var count: Int { dims[0] }
}
