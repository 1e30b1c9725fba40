import Foundation

/// Accent stripping and lower-casing of one non-ASCII scalar, memoised.
///
/// Order matters and follows the reference: NFD, drop nonspacing marks (Mn), then lower-case
/// each scalar with its full mapping (so "İ" → "i" + U+0307, a mark that is *kept*).
/// Decomposing scalar by scalar skips canonical reordering of adjacent combining marks; the marks
/// reordered are almost all Mn and dropped anyway.
final class ScalarNormalizer {
    private var cache: [UInt32: [Unicode.Scalar]] = [:]

    func normalize(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
        if let hit = cache[s.value] { return hit }
        var out: [Unicode.Scalar] = []
        let decomposed = String(Character(s)).decomposedStringWithCanonicalMapping
        for d in decomposed.unicodeScalars where d.properties.generalCategory != .nonspacingMark {
            out.append(contentsOf: d.properties.lowercaseMapping.unicodeScalars)
        }
        cache[s.value] = out
        return out
    }
}
