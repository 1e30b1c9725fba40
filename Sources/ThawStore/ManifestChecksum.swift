import ThawCore

/// The `manifest-crc32c` entry of `meta`: catches a manifest damaged or replaced after writing
/// (a flipped byte can leave valid JSON that silently means another cache).
enum ManifestChecksum {
    /// 8 lower-case hex digits of CRC-32C over the manifest bytes.
    static func of(_ manifest: [UInt8]) -> [UInt8] {
        let hex = String(CRC32C.checksum(manifest), radix: 16)
        return Array((String(repeating: "0", count: 8 - hex.count) + hex).utf8)
    }

    /// Throws if `stored` (nil for caches written before the checksum existed) disagrees with `manifest`,
    /// naming the damaged field when a single flipped bit explains the mismatch.
    static func check(_ manifest: [UInt8], stored: [UInt8]?, path: String) throws {
        guard let stored, stored != of(manifest) else { return }
        let located = singleBitFlip(manifest, stored: stored).map { " (" + describe(manifest, flippedAt: $0.byte, bit: $0.bit) + ")" } ?? ""
        throw StoreError.io(path: path, problem: "meta/manifest: checksum mismatch (stored \(String(decoding: stored, as: UTF8.self)), "
                            + "computed \(String(decoding: of(manifest), as: UTF8.self)))\(located): the manifest was damaged or "
                            + "replaced after the cache was written, so its fields (taps, labels, sample count) cannot be trusted",
                            fix: "restore the cache from a copy, or re-extract it into a new directory")
    }

    /// The one bit whose flip makes the checksum match, if exactly one does (bit rot usually flips one).
    /// Costs one CRC of the manifest per bit: ~20 ms for a 2 KB manifest, only on a mismatch.
    static func singleBitFlip(_ manifest: [UInt8], stored: [UInt8]) -> (byte: Int, bit: Int)? {
        guard manifest.count <= 16 << 10 else { return nil }
        var trial = manifest
        var found: (Int, Int)?
        for i in trial.indices {
            for b in 0..<8 {
                trial[i] ^= 1 << b
                if of(trial) == stored {
                    if found != nil { return nil }
                    found = (i, b)
                }
                trial[i] ^= 1 << b
            }
        }
        return found
    }

    /// "field "backbone" at byte 123 reads 'x…' where 'y…' was written".
    static func describe(_ manifest: [UInt8], flippedAt i: Int, bit: Int) -> String {
        var original = manifest
        original[i] ^= 1 << bit
        // The nearest JSON key before the damaged byte: the last `"name":` that precedes it.
        var field = "?"
        var j = i
        while j > 0 {
            if manifest[j] == UInt8(ascii: ":"), manifest[j - 1] == UInt8(ascii: "\"") {
                var k = j - 2
                while k >= 0 && manifest[k] != UInt8(ascii: "\"") { k -= 1 }
                if k >= 0 { field = String(decoding: manifest[(k + 1)..<(j - 1)], as: UTF8.self) }
                break
            }
            j -= 1
        }
        let lo = max(0, i - 12), hi = min(manifest.count, i + 12)
        return "one flipped bit explains it: field \"\(field)\" at byte \(i) reads '\(String(decoding: manifest[lo..<hi], as: UTF8.self))'"
            + " where '\(String(decoding: original[lo..<hi], as: UTF8.self))' was written"
    }
}
