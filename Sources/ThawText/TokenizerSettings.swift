import Foundation

/// Checks a Hugging Face `tokenizer.json` describes the pipeline `BertTokenizer` implements, so a
/// cased or non-BERT model is refused instead of silently getting wrong ids, and reads its special
/// tokens (BERT's `[CLS] … [SEP]`, MPNet's `<s> … </s>` with `<pad>`).
///
/// Accepted: normalizer `BertNormalizer` with clean_text, handle_chinese_chars, lowercase and
/// strip_accents null/true; pre-tokenizer `BertPreTokenizer`; model `WordPiece` with "##";
/// post-processor `TemplateProcessing`, `BertProcessing` or `RobertaProcessing` around one sequence.
struct TokenizerSettings {
    var maxCharactersPerWord = 100
    var cls = "[CLS]", sep = "[SEP]", pad = "[PAD]", unk = "[UNK]"
    /// Tokens written literally in a text that become their own id (`added_tokens` marked special).
    var specials = ["[MASK]", "[PAD]", "[UNK]", "[CLS]", "[SEP]"]

    /// BERT's defaults (a model folder without tokenizer.json).
    static let bert = TokenizerSettings()

    /// Reads the settings; throws naming the first unsupported option.
    static func check(_ url: URL) throws -> TokenizerSettings {
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
        guard model["type"] as? String == "WordPiece", model["continuing_subword_prefix"] as? String ?? "##" == "##" else {
            throw refuse("model is not WordPiece with \"##\" continuations")
        }
        var settings = TokenizerSettings()
        settings.maxCharactersPerWord = model["max_input_chars_per_word"] as? Int ?? 100
        if let unk = model["unk_token"] as? String { settings.unk = unk }
        if let padding = json["padding"] as? [String: Any], let pad = padding["pad_token"] as? String { settings.pad = pad }
        if let post = json["post_processor"] as? [String: Any] {
            switch post["type"] as? String {
            case "BertProcessing", "RobertaProcessing":
                // "cls": ["<s>", 0], "sep": ["</s>", 2]
                guard let cls = (post["cls"] as? [Any])?.first as? String, let sep = (post["sep"] as? [Any])?.first as? String else {
                    throw refuse("post-processor \(post["type"]!) without cls/sep tokens")
                }
                settings.cls = cls; settings.sep = sep
            case "TemplateProcessing":
                // single: [SpecialToken CLS, Sequence A, SpecialToken SEP]
                let single = (post["single"] as? [[String: Any]]) ?? []
                let names = single.compactMap { ($0["SpecialToken"] as? [String: Any])?["id"] as? String }
                guard single.count == 3, names.count == 2, single[1]["Sequence"] != nil else {
                    throw refuse("post-processor template is not CLS, the text, SEP")
                }
                settings.cls = names[0]; settings.sep = names[1]
            default:
                throw refuse("post-processor is \(post["type"] ?? "missing"), not BertProcessing, RobertaProcessing or TemplateProcessing")
            }
        }
        if let added = json["added_tokens"] as? [[String: Any]] {
            settings.specials = added.filter { $0["special"] as? Bool == true }.compactMap { $0["content"] as? String }
        }
        return settings
    }
}
