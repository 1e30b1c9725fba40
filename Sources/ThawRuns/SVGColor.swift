import Foundation

/// Colours for charts: a sequential scale (viridis stops) for heat maps and matrices,
/// and a categorical palette for runs.
public enum SVGColor {
    /// Viridis at 0, 0.25, 0.5, 0.75, 1.
    static let stops: [(Double, Double, Double)] = [
        (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ]

    /// The colour of `t` in 0…1 (clamped) as `#rrggbb`.
    public static func sequential(_ t: Double) -> String {
        let u = min(1, max(0, t.isFinite ? t : 0)) * Double(stops.count - 1)
        let i = min(Int(u), stops.count - 2)
        let f = u - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        return hex(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    /// Text colour readable on `sequential(t)`.
    public static func ink(on t: Double) -> String { t > 0.55 ? "#1a1a1a" : "#ffffff" }

    /// Run colours (Tableau 10), cycling.
    public static func run(_ i: Int) -> String {
        let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
        return palette[i % palette.count]
    }

    static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
        String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }
}
