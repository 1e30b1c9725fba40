import ThawCore

/// The value stored per (sample, view). All integers little-endian:
///
///     0   4  magic "THR1"
///     4   4  u32 CRC-32C of bytes 8..<end
///     8   4  i32 label (-1 = none)
///    12   2  u16 split index
///    14   2  u16 id length L
///    16   L  sample id, UTF-8, then zero bytes up to a multiple of 4
///     P      taps in manifest order, each elementCount × dtype.size bytes (P = 16 + L rounded up to 4)
///
/// Nothing time- or machine-dependent is stored, so equal inputs give equal bytes.
public enum Record {
    public static let magic: [UInt8] = Array("THR1".utf8)
    public static let headerSize = 16

    /// The split index of a record's header (bytes 12..<14), read without checking the record: callers that
    /// skip records by split; a record kept is checked in full by `decode`.
    static func splitIndex(_ bytes: UnsafeRawBufferPointer) -> Int? {
        bytes.count >= headerSize ? Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt16.self))) : nil
    }

    /// Bytes of a record whose id is `idLength` bytes long.
    public static func size(idLength: Int, taps: [TapSpec]) -> Int {
        headerSize + (idLength + 3) / 4 * 4 + taps.reduce(0) { $0 + $1.byteCount }
    }

    /// Encodes `sample` for `manifest`; traps on a shape that disagrees with it (a programmer error).
    public static func encode(_ sample: CachedSample, manifest: Manifest) -> [UInt8] {
        precondition(sample.taps.count == manifest.taps.count, "a sample needs one array per manifest tap")
        precondition(sample.split >= 0 && sample.split < manifest.splitNames.count, "split must index splitNames")
        let id = Array(sample.id.utf8)
        precondition(id.count <= Int(UInt16.max), "sample ids are at most 65535 UTF-8 bytes")
        var out: [UInt8] = []
        out.reserveCapacity(size(idLength: id.count, taps: manifest.taps))
        out += magic
        out += [0, 0, 0, 0]  // CRC, filled last
        appendLE(UInt32(bitPattern: sample.label), 4, &out)
        appendLE(UInt32(sample.split), 2, &out)
        appendLE(UInt32(id.count), 2, &out)
        out += id
        out += repeatElement(0, count: (4 - id.count % 4) % 4)
        for (tap, values) in zip(manifest.taps, sample.taps) {
            precondition(values.count == tap.elementCount,
                         "tap \(tap.name) needs \(tap.elementCount) values (shape \(tap.shape)), got \(values.count)")
            tap.dtype.encode(values, into: &out)
        }
        let crc = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[8...])) }
        out.withUnsafeMutableBytes { $0.storeBytes(of: crc.littleEndian, toByteOffset: 4, as: UInt32.self) }
        return out
    }

    /// What is wrong with `bytes` as a record of `manifest`, or nil if it is sound (checksum included).
    public static func problem(_ bytes: UnsafeRawBufferPointer, manifest: Manifest) -> String? {
        guard bytes.count >= headerSize else { return "record is \(bytes.count) bytes, shorter than the 16-byte header" }
        guard bytes[0] == magic[0], bytes[1] == magic[1], bytes[2] == magic[2], bytes[3] == magic[3] else {
            return "bad magic (expected \"THR1\")"
        }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[8...]))
        guard stored == actual else {
            return "checksum mismatch (stored \(hex(stored)), computed \(hex(actual))): the record is corrupt"
        }
        let idLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 14, as: UInt16.self)))
        let expected = size(idLength: idLength, taps: manifest.taps)
        guard bytes.count == expected else { return "record is \(bytes.count) bytes, the manifest's taps need \(expected)" }
        let split = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt16.self)))
        guard split < manifest.splitNames.count else { return "split \(split) out of range (\(manifest.splitNames.count) splits)" }
        let label = Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int32.self))
        guard label >= -1 && (label < manifest.labelNames.count || manifest.labelNames.isEmpty) else {
            return "label \(label) out of range (\(manifest.labelNames.count) labels)"
        }
        return nil
    }

    /// Label, split and id of a record already checked by `problem`.
    static func header(_ bytes: UnsafeRawBufferPointer) -> (label: Int32, split: Int, id: String, payloadOffset: Int) {
        let label = Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int32.self))
        let split = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt16.self)))
        let idLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 14, as: UInt16.self)))
        let id = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[16..<(16 + idLength)]), as: UTF8.self)
        return (label, split, id, headerSize + (idLength + 3) / 4 * 4)
    }

    /// Decodes a record (checksum verified) into a sample; throws naming the key if it is unsound.
    /// `only` (a tap position): that tap alone is converted to float32, every other tap is left empty
    /// (`[]`); the checksum still covers the whole record. A pooled tap read beside a 14×14 map
    /// otherwise converts ~17× the elements it uses.
    public static func decode(_ bytes: UnsafeRawBufferPointer, key: CacheKey, manifest: Manifest, path: String,
                              only: Int? = nil) throws -> CachedSample {
        if let p = problem(bytes, manifest: manifest) { throw StoreError.badRecord(path: path, key: key.description, problem: p) }
        let h = header(bytes)
        var offset = h.payloadOffset
        var taps: [[Float]] = []
        for (t, tap) in manifest.taps.enumerated() {
            if let only, only != t {
                taps.append([])
                offset += tap.byteCount
                continue
            }
            let n = tap.elementCount
            let values = [Float](unsafeUninitializedCapacity: n) { buf, count in
                tap.dtype.decode(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + tap.byteCount)]), count: n, into: buf.baseAddress!)
                count = n
            }
            taps.append(values)
            offset += tap.byteCount
        }
        return CachedSample(index: key.index, view: key.view, label: h.label, split: h.split, id: h.id, taps: taps)
    }

    private static func appendLE(_ v: UInt32, _ bytes: Int, _ out: inout [UInt8]) {
        for b in 0..<bytes { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(b)))) }
    }

    private static func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16, uppercase: true) }
}
