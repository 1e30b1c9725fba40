import Foundation
import ThawCore
import XCTest

/// FIPS 180-4 / NIST example vectors, streaming, and a file against coreutils' sha256sum.
final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex(of: [UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the 55/56/64-byte padding edges, fed in uneven pieces, equal one-shot hashing.
    func testStreamingEqualsOneShot() {
        for n in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000] {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var s = SHA256()
            var i = 0, step = 1
            while i < n { let j = min(n, i + step); s.update(Array(bytes[i..<j])); i = j; step = step * 2 + 1 }
            XCTAssertEqual(s.finalize().map { String(format: "%02x", $0) }.joined(), SHA256.hex(of: bytes), "length \(n)")
        }
    }

    func testFileMatchesSha256sum() throws {
        let path = try temporaryDirectory(self) + "/blob.bin"
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else { throw XCTSkip("sha256sum (coreutils) is not installed") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run(); p.waitUntilExit()
        let expected = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        XCTAssertEqual(try SHA256.hex(ofFile: path), String(expected))
        XCTAssertThrowsError(try SHA256.hex(ofFile: path + ".missing"))
    }
}
