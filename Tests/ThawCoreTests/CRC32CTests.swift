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
}
