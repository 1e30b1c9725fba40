/// BERT's character classes, as the Hugging Face `BertNormalizer` / `BertPreTokenizer` define them.
///
/// Pitfalls: "control" is every C* category (Cc, Cf, Cs, Co, Cn) except tab, newline and carriage
/// return, which count as whitespace; whitespace is the Unicode White_Space property, so U+0085
/// (a Cc) is dropped as control before it could count as a space; punctuation is ASCII 33–47,
/// 58–64, 91–96, 123–126 (so `$ + < = > ^ \` |` too) plus every P* category.
enum CharacterClasses {
    @inline(__always)
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 9, 10, 13: return false
        case 0..<0x20, 0x7F: return true
        case 0x20..<0x7F: return false
        default:
            switch s.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
            default: return false
            }
        }
    }

    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 9, 10, 13, 32: return true
        case 0..<0x80: return false
        default: return s.properties.isWhitespace
        }
    }

    @inline(__always)
    static func isASCIIPunctuation(_ v: UInt32) -> Bool {
        (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
    }

    @inline(__always)
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return isASCIIPunctuation(s.value) }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// CJK ideographs: each becomes a word of its own (the "CJK Unified Ideographs" blocks and
    /// their extensions and compatibility forms; Hangul, kana and CJK punctuation are not included).
    @inline(__always)
    static func isCJK(_ v: UInt32) -> Bool {
        switch v {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
