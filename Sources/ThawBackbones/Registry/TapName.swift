/// A cut point's name, typed: the one place tap names are parsed and printed.
///
/// Each family names its cut points in its own way (cut point lists: `thaw models`):
/// EfficientNet-Lite `stem`, `blocks.K`, `head`, `pool`, `fc`; ResNet `stem`, `layer1`…`layer4`,
/// `pool`, `fc`; MobileNetV2 `features.0`…`features.18`, `pool`, `fc`; BERT `embeddings`,
/// `layer.0`…`layer.{L−1}` (hidden states after encoder layer K), `pool`, `logits`; vision transformers
/// `embeddings`, `blocks.K` (tokens), `cls`, `pool`; ConvNeXt `stem`, `stages.0`…`stages.3`, `pool`, `fc`.
/// `input` names the raw input (fine-tuning from the images: `thaw finetune --from input`).
/// The manifest and the `Backbone` protocol keep the printed form (`description`).
public enum TapName: Hashable, Sendable, CustomStringConvertible {
    case input
    case stem
    /// EfficientNet-Lite block K's output (K from 0).
    case blocks(Int)
    /// ResNet stage K's output (`layer1`…`layer4`).
    case layer(Int)
    /// BERT encoder layer K's hidden states (`layer.K`, K from 0).
    case encoderLayer(Int)
    /// MobileNetV2 `features.K` (torchvision's index).
    case features(Int)
    /// ConvNeXt stage K's output (`stages.0`…`stages.3`).
    case stages(Int)
    /// A vision transformer's class token after the final norm.
    case cls
    case embeddings
    case head
    case pool
    case fc
    case logits

    /// The grammar, for error messages.
    public static let forms = "input, stem, blocks.K, layerK, layer.K, features.K, stages.K, embeddings, cls, head, pool, fc, logits"

    /// Parses the printed form; throws for anything else, listing the valid forms.
    public init(parsing text: String) throws {
        if let named = Self.named[text] { self = named; return }
        for (prefix, make) in Self.indexed where text.hasPrefix(prefix) {
            let digits = text.dropFirst(prefix.count)
            // Digits only: no sign, no spaces, no leading zero ("blocks.011" would print back as "blocks.11").
            if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
               digits == "0" || digits.first != "0", let k = Int(digits) {
                self = make(k); return
            }
        }
        throw BackboneError("'\(text)' is not a tap name; tap names are \(Self.forms) (K a block, stage or layer number). "
                            + "Fix: pick one of the model's cut points (`thaw models`, or `thaw cache info` for a cache's taps)")
    }

    public var description: String {
        switch self {
        case .input: return "input"
        case .stem: return "stem"
        case .blocks(let k): return "blocks.\(k)"
        case .layer(let k): return "layer\(k)"
        case .encoderLayer(let k): return "layer.\(k)"
        case .features(let k): return "features.\(k)"
        case .stages(let k): return "stages.\(k)"
        case .cls: return "cls"
        case .embeddings: return "embeddings"
        case .head: return "head"
        case .pool: return "pool"
        case .fc: return "fc"
        case .logits: return "logits"
        }
    }

    private static let named: [String: TapName] = Dictionary(
        uniqueKeysWithValues: [TapName.input, .stem, .embeddings, .cls, .head, .pool, .fc, .logits].map { ($0.description, $0) })

    /// Longest prefix first: "layer." before "layer".
    private static let indexed: [(String, (Int) -> TapName)] = [
        ("blocks.", { .blocks($0) }), ("layer.", { .encoderLayer($0) }), ("features.", { .features($0) }), ("stages.", { .stages($0) }), ("layer", { .layer($0) }),
    ]
}

extension CutPoint {
    /// A cut point named by `tap` (its printed form).
    public init(_ tap: TapName, layout: String) { self.init(name: tap.description, layout: layout) }
}
