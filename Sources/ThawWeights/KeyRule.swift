/// One step of turning file keys into the names a model asks for. Rules are data, kept beside
/// each backbone (e.g. `[.stripPrefix("module."), .stripPrefix("bert.")]`), applied in order.
public enum KeyRule: Sendable, Equatable {
    /// Drop a leading prefix where present (`module.`, `bert.`, `state_dict.`).
    case stripPrefix(String)
    /// Put a prefix in front of every key.
    case addPrefix(String)
    /// Replace a leading prefix.
    case replacePrefix(String, with: String)
    /// Replace a dotted path segment everywhere (`gamma` → `weight`).
    case renameSegment(String, to: String)
    /// Drop keys matching a pattern entirely (e.g. `*.num_batches_tracked`); they never count as unused.
    case ignore(String)
    /// Store 2-D tensors matching a pattern transposed (e.g. TF-style `[in, out]` dense kernels).
    case transpose(String)

    /// The key after this rule, or nil when the rule drops it. Layout rules leave keys unchanged.
    func rename(_ key: String) -> String? {
        switch self {
        case .stripPrefix(let p):
            return key.hasPrefix(p) ? String(key.dropFirst(p.count)) : key
        case .addPrefix(let p):
            return p + key
        case .replacePrefix(let from, let to):
            return key.hasPrefix(from) ? to + key.dropFirst(from.count) : key
        case .renameSegment(let from, let to):
            return key.split(separator: ".", omittingEmptySubsequences: false)
                .map { $0 == from ? to : String($0) }.joined(separator: ".")
        case .ignore(let pattern):
            return KeyPattern.matches(pattern, key) ? nil : key
        case .transpose:
            return key
        }
    }
}

/// Glob patterns over dotted keys: `*` matches any run of characters (dots included).
enum KeyPattern {
    static func matches(_ pattern: String, _ key: String) -> Bool {
        let p = Array(pattern.utf8), k = Array(key.utf8)
        var pi = 0, ki = 0, star = -1, mark = 0
        while ki < k.count {
            if pi < p.count, p[pi] != UInt8(ascii: "*"), p[pi] == k[ki] {
                pi += 1; ki += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi; mark = ki; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ki = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
