import Foundation

/// Checks a Hugging Face `tokenizer.json` describes the pipeline `BertTokenizer` implements, so a
/// cased or non-BERT model is refused instead of silently getting wrong ids.
///
/// Accepted: normalizer `BertNormalizer` with clean_text, handle_chinese_chars, lowercase and
/// strip_accents null/true; pre-tokenizer `BertPreTokenizer`; model `WordPiece` with "##".
enum TokenizerSettings {
    /// Returns the WordPiece `max_input_chars_per_word`; throws naming the first unsupported option.
    static func check(_ url: URL) throws -> Int {
        let json: [String: Any]
        do {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
            guard let dict = object as? [String: Any] else { throw TextError("not a JSON object") }
            json = dict
        } catch {
            throw TextError("\(url.path): cannot read tokenizer settings (\(error)); use the model's original tokenizer.json or remove it")
        }
        func refuse(_ what: String) -> TextError {
            TextError("\(url.path): \(what); Thaw's BertTokenizer implements uncased BERT WordPiece only "
                      + "(BertNormalizer with lowercase, BertPreTokenizer, WordPiece \"##\")")
        }
        let normalizer = json["normalizer"] as? [String: Any] ?? [:]
        guard normalizer["type"] as? String == "BertNormalizer" else {
            throw refuse("normalizer is \(normalizer["type"] ?? "missing"), not BertNormalizer")
        }
        for key in ["clean_text", "handle_chinese_chars", "lowercase"] where normalizer[key] as? Bool != true {
            throw refuse("normalizer option \(key) is not true")
        }
        if let strip = normalizer["strip_accents"], !(strip is NSNull), strip as? Bool != true {
            throw refuse("normalizer option strip_accents is false")
        }
        let pre = json["pre_tokenizer"] as? [String: Any] ?? [:]
        guard pre["type"] as? String == "BertPreTokenizer" else {
            throw refuse("pre-tokenizer is \(pre["type"] ?? "missing"), not BertPreTokenizer")
        }
        let model = json["model"] as? [String: Any] ?? [:]
        guard model["type"] as? String == "WordPiece", model["continuing_subword_prefix"] as? String ?? "##" == "##",
              model["unk_token"] as? String ?? "[UNK]" == "[UNK]" else {
            throw refuse("model is not WordPiece with \"##\" continuations and [UNK]")
        }
        return model["max_input_chars_per_word"] as? Int ?? 100
    }
}
