import ThawCore

/// Byte-level mutations shared by the classes (after fuzz/inputs/main.swift).
extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
}

enum Mutate {
    static let interesting64: [UInt64] = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
                                         0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 32, 1 << 40, 1 << 62,
                                         0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, UInt64.max, UInt64.max - 1]

    /// 1–8 generic mutations: bit flip, random byte, truncate, insert, duplicate, interesting bytes
    /// or a little-endian integer (u16/u32/u64) from `interesting64`.
    static func bytes(_ b: inout [UInt8], _ rng: inout SplitMix64, rounds: Int? = nil) {
        for _ in 0..<(rounds ?? 1 + rng.below(8)) {
            guard !b.isEmpty else { b = [UInt8(truncatingIfNeeded: rng.next())]; continue }
            let at = rng.below(b.count)
            switch rng.below(8) {
            case 0, 1: b[at] ^= UInt8(1 << rng.below(8))
            case 2: b[at] = UInt8(truncatingIfNeeded: rng.next())
            case 3: if rng.chance(3) { b.removeSubrange(at..<b.count) } else { b.removeSubrange(at..<min(b.count, at + 1 + rng.below(16))) }
            case 4: b.insert(contentsOf: (0..<(1 + rng.below(8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 5: let len = min(1 + rng.below(64), b.count - at); b.insert(contentsOf: b[at..<(at + len)], at: rng.below(b.count))
            case 6: integer(&b, at: at, &rng)
            default: for k in at..<min(at + 4, b.count) { b[k] = [0x00, 0xFF, 0x7F, 0x80][rng.below(4)] }
            }
        }
    }

    /// Writes an interesting value (or its negation) as a little-endian u16, u32 or u64 at `at`.
    static func integer(_ b: inout [UInt8], at: Int, _ rng: inout SplitMix64) {
        var v = interesting64[rng.below(interesting64.count)]
        if rng.chance(4) { v = 0 &- v }
        let width = [2, 4, 8][rng.below(3)]
        for k in 0..<width where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
    }

    /// Replaces one run of ASCII digits (with its sign) by an interesting decimal number.
    static func decimal(_ b: inout [UInt8], _ rng: inout SplitMix64) {
        let digits = b.indices.filter { (0x30...0x39).contains(b[$0]) }
        guard !digits.isEmpty else { return }
        var start = digits[rng.below(digits.count)], end = start
        while start > 0, (0x30...0x39).contains(b[start - 1]) { start -= 1 }
        if start > 0, b[start - 1] == 0x2D { start -= 1 }
        while end < b.count, (0x30...0x39).contains(b[end]) { end += 1 }
        let values = ["0", "-1", "1", "-9223372036854775808", "9223372036854775807", "18446744073709551615", "4294967296",
                      "100000", "1e308", "2147483648", "-0", "3.5", "99999999999999999999999"]
        b.replaceSubrange(start..<end, with: Array(values[rng.below(values.count)].utf8))
    }
}
