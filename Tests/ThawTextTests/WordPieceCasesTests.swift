import Foundation
import ThawText
import XCTest

/// Hard cases (accents, CJK, punctuation runs, emoji, control characters, overlong words, literal
/// special tokens, …) against the `tokenizers` library: scripts/golden/wordpiece.py.
final class WordPieceCasesTests: XCTestCase {
    struct Case: Decodable { var text: String; var ids: [Int32]; var ids8: [Int32] }

    func testHardCasesMatchReference() throws {
        let long = try miniLMTokenizer(maxLength: 512)
        let short = try miniLMTokenizer(maxLength: 8)
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: fixtureURL("wordpiece_cases.json")))
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for c in cases {
            assertSameIds(long.encode(c.text), c.ids, "untruncated \(c.text.debugDescription)")
            assertSameIds(short.encode(c.text), c.ids8, "max 8 \(c.text.debugDescription)")
        }
    }

    func testEmptyAndWhitespaceOnlyGiveClsSep() throws {
        let tok = try miniLMTokenizer()
        XCTAssertEqual(tok.encode(""), [tok.clsID, tok.sepID])
        XCTAssertEqual(tok.encode(" \t\n\u{3000}\u{0}"), [tok.clsID, tok.sepID])
    }

    func testWordOfMoreThan100CharactersIsUnknown() throws {
        let tok = try miniLMTokenizer()
        XCTAssertEqual(tok.encode(String(repeating: "a", count: 101)), [tok.clsID, tok.unkID, tok.sepID])
        XCTAssertGreaterThan(tok.encode(String(repeating: "a", count: 100)).count, 3)
    }
}
