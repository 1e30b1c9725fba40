import Foundation

/// Per-class accuracy as horizontal grouped bars: the first run, then each other run with its
/// difference in percentage points (green better, red worse).
public enum SVGBars {
    public struct Run: Sendable {
        public var name: String
        public var colour: String
        public var values: [Double?]      // one per class, fractions
        public init(name: String, colour: String, values: [Double?]) { self.name = name; self.colour = colour; self.values = values }
    }

    public static func render(title: String, classes: [String], runs: [Run]) -> String? {
        guard !classes.isEmpty, runs.contains(where: { $0.values.contains { $0 != nil } }) else { return nil }
        let bar = 11.0, gap = 10.0
        let group = bar * Double(runs.count) + gap
        let labelChars = min(18, classes.map(\.count).max() ?? 0)
        let left = 20 + 6.5 * Double(labelChars), top = 34.0, width = 720.0, right = 80.0
        let legend = 18 * Double(runs.count)
        var svg = SVGWriter(width: width, height: top + group * Double(classes.count) + 30 + legend)
        let x = SVGScale(lo: 0, hi: 1, from: left, to: width - right)
        let bottom = top + group * Double(classes.count)
        svg.text(title, x: 8, y: 20, size: 14, bold: true)
        for t in x.ticks(5) {
            svg.line(x1: x(t), y1: top, x2: x(t), y2: bottom, stroke: "#e4e4e4")
            svg.text(String(format: "%.0f%%", 100 * t), x: x(t), y: bottom + 14, size: 10, anchor: .middle, fill: "#555")
        }
        for (c, name) in classes.enumerated() {
            let y0 = top + Double(c) * group
            svg.text(SVGConfusion.short(name, labelChars), x: left - 6, y: y0 + group / 2, size: 11, anchor: .end, fill: "#333")
            for (i, run) in runs.enumerated() {
                guard c < run.values.count, let v = run.values[c] else { continue }
                let y = y0 + Double(i) * bar
                svg.rect(x: left, y: y, width: x(min(1, max(0, v))) - left, height: bar - 1.5, fill: run.colour,
                         title: "\(run.name) · \(name): \(String(format: "%.2f%%", 100 * v))")
                var label = String(format: "%.1f%%", 100 * v)
                var ink = "#444"
                if i > 0, c < runs[0].values.count, let base = runs[0].values[c] {
                    label += String(format: " (%+.1f)", 100 * (v - base))
                    ink = v > base ? "#2a7d2a" : v < base ? "#c0392b" : "#444"
                }
                svg.text(label, x: x(min(1, max(0, v))) + 4, y: y + bar - 2.5, size: 9.5, fill: ink)
            }
        }
        for (i, run) in runs.enumerated() {
            let y = bottom + 34 + 18 * Double(i)
            svg.rect(x: left, y: y - 9, width: 12, height: 10, fill: run.colour)
            svg.text(run.name + (i == 0 ? " (baseline)" : ""), x: left + 18, y: y, size: 11, fill: "#333")
        }
        return svg.render(kind: "bars", label: title)
    }
}
