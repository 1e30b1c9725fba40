import Foundation

/// Writes NumPy `.npy` files (format version 1.0) chunk by chunk.
public final class NPYWriter {
    private let handle: FileHandle
    private let path: String
    private var remaining: Int

    /// Creates `path` with a header for a C-order array of `shape`; `descr` is the NumPy type
    /// string ("<f4", "<i4"). Exactly `shape.product × itemSize` bytes must follow via `write`.
    public init(path: String, descr: String, itemSize: Int, shape: [Int]) throws {
        self.path = path
        remaining = shape.reduce(1, *) * itemSize
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        // magic(6) + version(2) + length(2) + header + "\n" must be a multiple of 64.
        let total = (10 + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: total - 10 - header.utf8.count - 1) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let n = header.utf8.count
        bytes += [UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)),
              let h = FileHandle(forWritingAtPath: path) else {
            throw StoreError.io(path: path, problem: "cannot create the file", fix: "check the directory exists and is writable")
        }
        handle = h
        handle.seekToEndOfFile()
    }

    /// Appends raw little-endian element bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(bytes.count <= remaining, "more data than the header's shape")
        remaining -= bytes.count
        do { try handle.write(contentsOf: Data(bytes)) } catch {
            throw StoreError.io(path: path, problem: "write failed: \(error)", fix: "check free disk space")
        }
    }

    /// Closes the file; traps if fewer bytes than the shape needs were written.
    public func close() throws {
        precondition(remaining == 0, "NPY file closed \(remaining) bytes short of its shape")
        try handle.close()
    }
}
