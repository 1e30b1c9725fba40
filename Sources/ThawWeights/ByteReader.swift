import Foundation
import ThawCore

/// A bounds-checked little-endian cursor over bytes indexed from 0. Every read checks the
/// remaining length first and throws a `FileError` naming `file` and `what` was being read.
struct ByteReader {
    let data: Data          // startIndex == 0
    let file: String
    private(set) var offset: Int

    init(_ data: Data, file: String, offset: Int = 0) {
        precondition(data.startIndex == 0, "ByteReader needs data indexed from 0")
        self.data = data
        self.file = file
        self.offset = offset
    }

    var remaining: Int { data.count - offset }
    var atEnd: Bool { offset >= data.count }

    mutating func require(_ n: Int, _ what: String) throws {
        guard n >= 0, n <= remaining else { throw FileError.truncated(file, what) }
    }

    mutating func seek(to position: Int, _ what: String) throws {
        guard position >= 0, position <= data.count else { throw FileError.truncated(file, what) }
        offset = position
    }

    mutating func u8(_ what: String) throws -> UInt8 {
        try require(1, what)
        defer { offset += 1 }
        return data[offset]
    }

    mutating func uint<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        let n = MemoryLayout<T>.size
        try require(n, what)
        let value = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += n
        return T(littleEndian: value)
    }

    /// `n` bytes as a slice of the underlying storage (no copy).
    mutating func bytes(_ n: Int, _ what: String) throws -> Data {
        try require(n, what)
        defer { offset += n }
        return data[offset..<(offset + n)]
    }

    /// Bytes up to (not including) the next `\n`, which is consumed.
    mutating func line(_ what: String, limit: Int = 4096) throws -> Data {
        var end = offset
        while end < data.count, data[end] != 0x0A {
            end += 1
            guard end - offset <= limit else {
                throw FileError(file: file, problem: "\(what) is longer than \(limit) bytes", fix: FileError.redownload)
            }
        }
        guard end < data.count else { throw FileError.truncated(file, what) }
        defer { offset = end + 1 }
        return data[offset..<end]
    }
}
