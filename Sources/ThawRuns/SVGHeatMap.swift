import Foundation

/// A sweep panel as a heat map: LR (or C) across, weight decay down, val top-1 in each cell
/// with its value; the chosen configuration outlined thick, the panel's best dashed.
public enum SVGHeatMap {
    /// `lo…hi` is the colour range shared by all panels of one sweep; `chosen` the record's `best`.
    public static func render(_ panel: SweepTable.Panel, lo: Double, hi: Double, chosen: Int?) -> String? {
        guard !panel.xs.isEmpty, panel.cells.contains(where: { $0.contains { $0 != nil } }) else { return nil }
        let cell = max(46.0, min(70.0, 520.0 / Double(panel.xs.count)))
        let (left, top) = (86.0, 40.0)
        let gridW = cell * Double(panel.xs.count), gridH = cell * Double(panel.ys.count)
        let legendTop = top + gridH + 52
        var svg = SVGWriter(width: max(360, left + gridW + 20), height: legendTop + 44)
        svg.text(panel.title, x: 8, y: 20, size: 14, bold: true)
        let span = max(hi - lo, 1e-9)
        var panelBest: (Int, Int)?, chosenCell: (Int, Int)?
        for (r, row) in panel.cells.enumerated() {
            for (c, v) in row.enumerated() {
                let x = left + Double(c) * cell, y = top + Double(r) * cell
                guard let v else {
                    svg.rect(x: x, y: y, width: cell, height: cell, fill: "#f0f0f0", stroke: "#fff", title: "not tried")
                    continue
                }
                if panelBest == nil || v > panel.cells[panelBest!.0][panelBest!.1]! { panelBest = (r, c) }
                if let chosen, panel.rowIndex[r][c] == chosen { chosenCell = (r, c) }
                let t = (v - lo) / span
                svg.rect(x: x, y: y, width: cell, height: cell, fill: SVGColor.sequential(t), stroke: "#fff",
                         title: "\(panel.xName) \(number(panel.xs[c])), wd \(panel.ys[r].map(number) ?? "—"): \(String(format: "%.2f%%", 100 * v))")
                svg.text(String(format: "%.1f", 100 * v), x: x + cell / 2, y: y + cell / 2 + 4, size: 11,
                         anchor: .middle, fill: SVGColor.ink(on: t))
            }
        }
        // A tie with the chosen cell is not a different best: the dashed box marks only a strictly better cell.
        if let (r, c) = chosenCell, let (br, bc) = panelBest, panel.cells[r][c] == panel.cells[br][bc] { panelBest = chosenCell }
        func outline(_ r: Int, _ c: Int, chosen: Bool) {
            svg.rect(x: left + Double(c) * cell + 1.5, y: top + Double(r) * cell + 1.5, width: cell - 3, height: cell - 3,
                     fill: "none", stroke: "#d62728", strokeWidth: chosen ? 3 : 2, dash: chosen ? nil : "4 3",
                     title: chosen ? "chosen configuration" : "best in this panel")
        }
        if let (r, c) = chosenCell { outline(r, c, chosen: true) }
        if let (r, c) = panelBest, chosenCell.map({ $0 != (r, c) }) ?? true { outline(r, c, chosen: false) }
        for (c, x) in panel.xs.enumerated() {
            svg.text(number(x), x: left + (Double(c) + 0.5) * cell, y: top + gridH + 16, size: 11, anchor: .middle, fill: "#444")
        }
        svg.text(panel.xName == "lr" ? "learning rate" : "C (inverse regularisation)", x: left + gridW / 2,
                 y: top + gridH + 34, size: 12, anchor: .middle, fill: "#333")
        for (r, y) in panel.ys.enumerated() {
            svg.text(y.map(number) ?? "—", x: left - 6, y: top + (Double(r) + 0.5) * cell + 4, size: 11, anchor: .end, fill: "#444")
        }
        svg.text("weight decay", x: 16, y: top + gridH / 2, size: 12, anchor: .middle, fill: "#333", rotate: -90)
        legend(&svg, x: left, y: legendTop, width: min(240, max(160, gridW)), lo: lo, hi: hi)
        return svg.render(kind: "heatmap", label: "sweep " + panel.title)
    }

    /// A horizontal colour bar from `lo` to `hi` (val top-1 in %).
    static func legend(_ svg: inout SVGWriter, x: Double, y: Double, width: Double, lo: Double, hi: Double) {
        let steps = 24
        for i in 0..<steps {
            let t = Double(i) / Double(steps - 1)
            svg.rect(x: x + width * Double(i) / Double(steps), y: y, width: width / Double(steps) + 0.5, height: 10,
                     fill: SVGColor.sequential(t))
        }
        svg.text(String(format: "%.1f%%", 100 * lo), x: x, y: y + 24, size: 10, fill: "#555")
        svg.text("val top-1", x: x + width / 2, y: y + 24, size: 10, anchor: .middle, fill: "#555")
        svg.text(String(format: "%.1f%%", 100 * hi), x: x + width, y: y + 24, size: 10, anchor: .end, fill: "#555")
    }

    /// 0.001 → "1e-3", 0.05 → "0.05", 10 → "10".
    static func number(_ v: Double) -> String {
        if v == 0 { return "0" }
        let e = floor(log10(abs(v)))
        if abs(v / pow(10, e) - 1) < 1e-9, abs(e) >= 3 { return "1e\(Int(e))" }
        return String(format: "%g", v)
    }
}
