import Foundation
import ThawAssets
import ThawText
import XCTest

/// Every BBC News article (2,225) at max length 256 against the `tokenizers` library
/// (fixture from scripts/golden/wordpiece.py: uint32 count, uint16 lengths, uint16 ids).
final class BBCNewsTokenTests: XCTestCase {
    struct Manifest: Decodable { var max_length: Int; var files: [String] }

    func testEveryArticleMatchesReference() throws {
        let asset = KnownAsset.named("bbc-news")!
        guard let root = asset.find() else { throw XCTSkip("BBC News is not installed: \(asset.installCommand)") }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: fixtureURL("wordpiece_bbc.json")))
        let blob = try Data(contentsOf: fixtureURL("wordpiece_bbc.bin"))
        let expected: [[Int32]] = blob.withUnsafeBytes { raw in
            func u16(_ at: Int) -> Int { Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self))) }
            let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
            var offset = 4 + 2 * count
            return (0..<count).map { i in
                let n = u16(4 + 2 * i)
                defer { offset += 2 * n }
                return (0..<n).map { Int32(u16(offset + 2 * $0)) }
            }
        }
        XCTAssertEqual(expected.count, 2225)
        XCTAssertEqual(manifest.files.count, expected.count)

        let texts = try manifest.files.map { name -> String in
            let data = try Data(contentsOf: URL(fileURLWithPath: root).appendingPathComponent(name))
            return String(decoding: data, as: UTF8.self)   // invalid UTF-8 → U+FFFD, as the script does
        }
        let tok = try miniLMTokenizer(maxLength: manifest.max_length)
        let got = tok.encodeAll(texts)
        var failures = 0
        for (i, name) in manifest.files.enumerated() where got[i] != expected[i] {
            failures += 1
            if failures <= 5 { assertSameIds(got[i], expected[i], name) }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(texts.count) articles differ")
    }
}
