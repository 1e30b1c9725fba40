import Foundation

/// Writes NumPy `.npy` files (format version 1.0) chunk by chunk.
/// Written under a temporary name beside `path` and renamed at `close()`: a killed export never
/// leaves a truncated array at the final name (and an earlier file there stays whole until then).
public final class NPYWriter {
    private let handle: FileHandle
    private let path: String
    private let temporaryPath: String
    private var remaining: Int
    private var closed = false

    /// Creates `path` with a header for a C-order array of `shape`; `descr` is the NumPy type
    /// string ("<f4", "<i4"). Exactly `shape.product × itemSize` bytes must follow via `write`.
    public init(path: String, descr: String, itemSize: Int, shape: [Int]) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)").path
        remaining = shape.reduce(1, *) * itemSize
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        // magic(6) + version(2) + length(2) + header + "\n" must be a multiple of 64.
        let total = (10 + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: total - 10 - header.utf8.count - 1) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let n = header.utf8.count
        bytes += [UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8)
        guard FileManager.default.createFile(atPath: temporaryPath, contents: Data(bytes)),
              let h = FileHandle(forWritingAtPath: temporaryPath) else {
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

    /// Closes the file and renames it to its final name; traps if fewer bytes than the shape
    /// needs were written.
    public func close() throws {
        precondition(remaining == 0, "NPY file closed \(remaining) bytes short of its shape")
        try handle.close()
        closed = true
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw StoreError.io(path: path, problem: "cannot rename the finished file into place (\(reason))",
                                fix: "check the directory is writable and \(path) is not a folder")
        }
    }

    /// An export that failed midway removes its partial file.
    deinit {
        if !closed {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporaryPath)
        }
    }
}
