import XCTest
import ThawCore

final class CRC32CTests: XCTestCase {
    func testStandardCheckValues() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)  // RFC 3720 B.4
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum(Array(0..<32)), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum([]), 0)
    }

    func testSlicedPathEqualsBytewise() {
        // Lengths around the 8-byte step, against a plain bit-by-bit CRC.
        var bytes: [UInt8] = []
        for n in 0..<40 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes { c ^= UInt32(b); for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 } }
            XCTAssertEqual(CRC32C.checksum(bytes), c ^ 0xFFFF_FFFF, "length \(n)")
            bytes.append(UInt8(truncatingIfNeeded: n * 37 + 11))
        }
    }

    /// The crc32-instruction path against the tables: lengths around its 8-byte step and its 3 × 4 KiB
    /// interleaved blocks, unaligned starts, a cache record's size.
    func testHardwarePathEqualsTables() throws {
        try XCTSkipUnless(CRC32C.hardwareAvailable, "no SSE4.2 crc32 on this CPU")
        var g = SplitMix64(seed: 5)
        let data = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let saved = CRC32C.usesHardware
        defer { CRC32C.usesHardware = saved }
        for n in Array(0..<40) + [4095, 12_287, 12_288, 12_289, 24_583, 44_000, 45_123, 199_990] {
            for start in [0, 1, 3, 7] where start + n <= data.count {
                data.withUnsafeBytes { all in
                    let bytes = UnsafeRawBufferPointer(rebasing: all[start..<(start + n)])
                    CRC32C.usesHardware = false
                    let tables = CRC32C.checksum(bytes)
                    CRC32C.usesHardware = true
                    XCTAssertEqual(CRC32C.checksum(bytes), tables, "length \(n) from \(start)")
                }
            }
        }
        CRC32C.usesHardware = true
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([]), 0)
    }
}
