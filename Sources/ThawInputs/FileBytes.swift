import CZlib
import Foundation
import ThawCore

/// Reads a whole file, inflating it through zlib in fixed-size chunks when it is gzip'd
/// (recognised by its magic bytes, not its name). `limit` bounds the inflated size.
public enum FileBytes {
    public static func read(_ path: String, limit: Int = 1 << 31) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileError(file: path, problem: "cannot be opened", fix: "check that the file exists and is readable")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 2)) ?? Data()
        try? handle.seek(toOffset: 0)
        if head != Data([0x1F, 0x8B]) {
            let data = (try? handle.readToEnd()) ?? Data()
            guard data.count <= limit else {
                throw FileError(file: path, problem: "is larger than \(limit) bytes", fix: "split the file")
            }
            return data
        }
        return try inflate(handle, path: path, limit: limit)
    }

    private static func inflate(_ handle: FileHandle, path: String, limit: Int) throws -> Data {
        var stream = z_stream()
        // 15 + 16: gzip wrapper, largest window.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FileError(file: path, problem: "zlib could not start", fix: "check memory")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 18)       // inflated bytes per call
        var finished = false
        while !finished {
            guard let input = try? handle.read(upToCount: 1 << 16), !input.isEmpty else { break }
            try input.withUnsafeBytes { raw in
                stream.next_in = UnsafeMutablePointer(mutating: raw.bindMemory(to: Bytef.self).baseAddress!)
                stream.avail_in = uInt(raw.count)
                repeat {
                    let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = uInt(out.count)
                        let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                        if rc == Z_STREAM_END { finished = true } else if rc != Z_OK && rc != Z_BUF_ERROR {
                            return -1
                        }
                        return out.count - Int(stream.avail_out)
                    }
                    guard produced >= 0 else {
                        let message = stream.msg.map { String(cString: $0) } ?? "bad data"
                        throw FileError(file: path, problem: "corrupt gzip data (\(message))",
                                        fix: "re-download or re-compress the file")
                    }
                    output.append(contentsOf: chunk[0..<produced])
                    guard output.count <= limit else {
                        throw FileError(file: path, problem: "inflates to more than \(limit) bytes",
                                        fix: "check that the file is what it claims to be")
                    }
                } while stream.avail_out == 0 && !finished
            }
        }
        guard finished else {
            throw FileError(file: path, problem: "gzip stream is truncated", fix: "re-download the file")
        }
        return output
    }
}
