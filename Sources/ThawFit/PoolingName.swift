import ThawHeads

/// Command-line names of poolings and head shapes, as recorded in run records.
public enum PoolingName {
    /// "avg", "max", "avgmax", "gem" (p starts at 3), or "none" for vector taps.
    public static func of(_ p: Pooling?) -> String {
        switch p {
        case nil: return "none"
        case .avg?: return "avg"
        case .max?: return "max"
        case .avgMax?: return "avgmax"
        case .gem?: return "gem"
        }
    }

    /// Parses a pooling name; "none" gives nil.
    public static func parse(_ s: String) throws -> Pooling? {
        switch s.lowercased() {
        case "none": return nil
        case "avg", "mean": return .avg
        case "max": return .max
        case "avgmax", "avg-max": return .avgMax
        case "gem": return .gem(p: 3)
        default: throw FitError("unknown pooling \"\(s)\"; use avg, max, gem or avgmax (none for vector taps)")
        }
    }
}

/// Command-line names of head shapes: "linear", "mlp:512", "mlp:512,256" (recorded as "mlp-512-256").
public enum HeadName {
    public static func parse(_ s: String) throws -> HeadShape {
        if s == "linear" { return .linear }
        let body = s.hasPrefix("mlp:") ? s.dropFirst(4) : s.hasPrefix("mlp-") ? s.dropFirst(4) : nil
        guard let body else { throw FitError("unknown head \"\(s)\"; use linear, mlp:512 or mlp:512,256") }
        // "mlp:-5" must not read as mlp:5: only the "mlp-" spelling separates widths by "-".
        let separator: Character = s.hasPrefix("mlp:") ? "," : "-"
        let widths = body.split(separator: separator, omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(widths.count), widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw FitError("head \"\(s)\": give 1 or 2 positive hidden widths, e.g. mlp:512 or mlp:512,256")
        }
        return HeadShape(hidden: widths.map { $0! })
    }

    /// "linear" or "mlp-512[-256]".
    public static func of(_ shape: HeadShape) -> String {
        shape.hidden.isEmpty ? "linear" : "mlp" + shape.hidden.map { "-\($0)" }.joined()
    }
}
