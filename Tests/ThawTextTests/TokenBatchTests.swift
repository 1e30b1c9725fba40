import Foundation
import ThawText
import XCTest

final class TokenBatchTests: XCTestCase {
    func testLongestPaddingAndMask() throws {
        let tok = try miniLMTokenizer()
        let texts = ["Hello, world!", "", "A somewhat longer sentence about tokenizers."]
        let batch = tok.encodeBatch(texts)
        let rows = texts.map(tok.encode)
        XCTAssertEqual(batch.length, rows.map(\.count).max())
        XCTAssertEqual(batch.lengths, rows.map(\.count))
        for (b, row) in rows.enumerated() {
            let ids = Array(batch.ids[b * batch.length..<(b + 1) * batch.length])
            let mask = Array(batch.attentionMask[b * batch.length..<(b + 1) * batch.length])
            XCTAssertEqual(Array(ids.prefix(row.count)), row)
            XCTAssertTrue(ids.dropFirst(row.count).allSatisfy { $0 == tok.padID })
            XCTAssertEqual(mask, (0..<batch.length).map { $0 < row.count ? 1 : 0 })
        }
        XCTAssertTrue(batch.tokenTypeIds.allSatisfy { $0 == 0 })
    }

    func testFixedPaddingCutsAndKeepsSep() throws {
        let tok = try miniLMTokenizer()
        let batch = tok.encodeBatch(["one two three four five six seven", "hi"], padding: .fixed(5))
        XCTAssertEqual(batch.length, 5)
        XCTAssertEqual(batch.ids[4], tok.sepID)
        XCTAssertEqual(batch.lengths, [5, 3])
        XCTAssertEqual(Array(batch.attentionMask[5..<10]), [1, 1, 1, 0, 0])
    }

    func testMissingVocabularyThrowsNamingTheFile() {
        let dir = URL(fileURLWithPath: "/nonexistent-thaw-model")
        XCTAssertThrowsError(try BertTokenizer(modelDirectory: dir)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-thaw-model/vocab.txt"), "\(error)")
        }
    }

    func testVocabularyWithoutSpecialTokensThrows() {
        XCTAssertThrowsError(try BertTokenizer(vocabulary: Vocabulary(tokens: ["a", "##b"]))) { error in
            XCTAssertTrue("\(error)".contains("[CLS]"), "\(error)")
        }
    }
}

final class TokenizerSettingsTests: XCTestCase {
    /// A model folder whose tokenizer.json turns lower-casing off must be refused.
    func testCasedTokenizerJSONIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-cased-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n".write(to: dir.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        let settings = """
        {"normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                        "strip_accents": null, "lowercase": false},
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100}}
        """
        try settings.write(to: dir.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BertTokenizer(modelDirectory: dir)) { error in
            XCTAssertTrue("\(error)".contains("lowercase") && "\(error)".contains("tokenizer.json"), "\(error)")
        }
        try settings.replacingOccurrences(of: "\"lowercase\": false", with: "\"lowercase\": true")
            .write(to: dir.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        let tok = try BertTokenizer(modelDirectory: dir)
        XCTAssertEqual(tok.encode("Hello"), [2, 5, 3])
    }
}
