import Foundation

/// A confusion matrix, row-normalised (each true class sums to 100%), true classes down,
/// predictions across; values printed when the matrix is small enough to read.
public enum SVGConfusion {
    public static func render(title: String, names: [String], counts: [[Double]]) -> String? {
        let k = counts.count
        guard k > 0, counts.allSatisfy({ $0.count == k }), counts.joined().contains(where: { $0 > 0 }) else { return nil }
        let cell = max(12.0, min(36.0, 360.0 / Double(k)))
        let labelChars = min(16, names.map(\.count).max() ?? 0)
        let labelWidth = 6.5 * Double(labelChars)       // at 11 px
        // Column labels are rotated −60°: they rise 0.87 and reach right 0.5 of their width.
        let (left, top) = (labelWidth + 30, 40 + 0.87 * labelWidth)
        let side = cell * Double(k)
        var svg = SVGWriter(width: left + side + 0.5 * labelWidth + 12, height: top + side + 40)
        svg.text(title, x: 8, y: 20, size: 14, bold: true)
        let showValues = k <= 15
        for r in 0..<k {
            let total = counts[r].reduce(0, +)
            for c in 0..<k {
                let p = total > 0 ? counts[r][c] / total : 0
                let x = left + Double(c) * cell, y = top + Double(r) * cell
                svg.rect(x: x, y: y, width: cell, height: cell, fill: SVGColor.sequential(p), stroke: "#fff", strokeWidth: 0.5,
                         title: "true \(names[r]) → predicted \(names[c]): \(String(format: "%.1f%%", 100 * p)) (\(Int(counts[r][c])))")
                if showValues && p >= 0.005 {
                    svg.text(String(format: "%.0f", 100 * p), x: x + cell / 2, y: y + cell / 2 + 4,
                             size: min(11, cell * 0.36), anchor: .middle, fill: SVGColor.ink(on: p))
                }
            }
            svg.text(short(names[r], labelChars), x: left - 5, y: top + (Double(r) + 0.5) * cell + 4, size: 11, anchor: .end, fill: "#333")
        }
        for c in 0..<k {
            let x = left + (Double(c) + 0.5) * cell + 4
            svg.text(short(names[c], labelChars), x: x, y: top - 5, size: 11, fill: "#333", rotate: -60)
        }
        svg.text("true class", x: 14, y: top + side / 2, size: 12, anchor: .middle, fill: "#333", rotate: -90)
        svg.text("predicted class", x: left + side / 2, y: top + side + 22, size: 12, anchor: .middle, fill: "#333")
        return svg.render(kind: "confusion", label: title)
    }

    static func short(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(max(1, n - 1))) + "…" }
}
