/// The `manifest-crc32c` entry of `meta`: catches a manifest damaged or replaced after writing
/// (a flipped byte can leave valid JSON that silently means another cache).
enum ManifestChecksum {
    /// 8 lower-case hex digits of CRC-32C over the manifest bytes.
    static func of(_ manifest: [UInt8]) -> [UInt8] {
        let hex = String(CRC32C.checksum(manifest), radix: 16)
        return Array((String(repeating: "0", count: 8 - hex.count) + hex).utf8)
    }

    /// Throws if `stored` (nil for caches written before the checksum existed) disagrees with `manifest`.
    static func check(_ manifest: [UInt8], stored: [UInt8]?, path: String) throws {
        guard let stored, stored != of(manifest) else { return }
        throw StoreError.io(path: path, problem: "meta/manifest: checksum mismatch (stored \(String(decoding: stored, as: UTF8.self)), "
                            + "computed \(String(decoding: of(manifest), as: UTF8.self))): the manifest was damaged or replaced "
                            + "after the cache was written, so its fields (taps, labels, sample count) cannot be trusted",
                            fix: "restore the cache from a copy, or re-extract it into a new directory")
    }
}
