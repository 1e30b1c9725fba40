import Foundation
import ThawInputs
import ThawText

/// What the backbone eats, with how it is prepared.
public enum ExtractInput {
    /// Images decoded ahead in a `DecodePipeline` and preprocessed by `preset` (crop×crop).
    case images(any ImageSource, preset: Preprocessing)
    /// Texts tokenized per batch, padded to the tokenizer's `maxLength` (fixed, so tap shapes
    /// and bytes do not depend on the batch).
    case text(any TextSource, tokenizer: BertTokenizer)

    var source: any SampleSource {
        switch self {
        case .images(let s, _): return s
        case .text(let s, _): return s
        }
    }

    /// Per-sample input shape: [crop, crop, 3] or [maxLength].
    var inputShape: [Int] {
        switch self {
        case .images(_, let p): return p.outputShape
        case .text(_, let t): return [t.maxLength]
        }
    }

    /// The manifest's `preprocessing` text: sorted-key JSON, compared verbatim on resume.
    func presetJSON(views: Int) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        switch self {
        case .images(_, let p):
            let preset = String(decoding: try! e.encode(p), as: UTF8.self)
            guard views > 1 else { return preset }
            let aug = String(decoding: try! e.encode(AugmentedView.description), as: UTF8.self)
            return "{\"augmentation\":\(aug),\"preset\":\(preset)}"
        case .text(_, let t):
            var settings: [String: String] = [
                "tokenizer": "bert-wordpiece-uncased", "maxLength": String(t.maxLength),
                "padding": "fixed", "vocabularySize": String(t.vocabulary.count),
                "maxCharactersPerWord": String(t.maxCharactersPerWord),
            ]
            // Other special tokens than BERT's (MPNet: <s> … </s>, <pad>): named, so such caches never match BERT's.
            let specials = [t.clsID, t.sepID, t.padID, t.unkID].map { t.vocabulary.tokens[Int($0)] }
            if specials != ["[CLS]", "[SEP]", "[PAD]", "[UNK]"] { settings["specialTokens"] = specials.joined(separator: " ") }
            return String(decoding: try! e.encode(settings), as: UTF8.self)
        }
    }
}
