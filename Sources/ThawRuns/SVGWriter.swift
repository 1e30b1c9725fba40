import Foundation

/// Escapes text for XML/HTML content and attribute values (`&`, `<`, `>`, `"`, `'`).
public func escapeXML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}

/// A small SVG writer: shapes and text appended in drawing order, every string escaped,
/// coordinates with two decimals. Renders inline `<svg>` for HTML (no xmlns, no scripts).
public struct SVGWriter: Sendable {
    public enum Anchor: String, Sendable { case start, middle, end }

    public let width: Double
    public let height: Double
    private var body: [String] = []

    public init(width: Double, height: Double) {
        precondition(width > 0 && height > 0, "an SVG needs a positive size")
        self.width = width; self.height = height
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, strokeWidth: Double = 1, dash: String? = nil, title: String? = nil) {
        var a = "x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(0, width)))\" height=\"\(n(max(0, height)))\" fill=\"\(escapeXML(fill))\""
        if let stroke { a += " stroke=\"\(escapeXML(stroke))\" stroke-width=\"\(n(strokeWidth))\"" }
        if let dash { a += " stroke-dasharray=\"\(escapeXML(dash))\"" }
        element("rect", a, title: title)
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1) {
        element("line", "x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(escapeXML(stroke))\" stroke-width=\"\(n(width))\"")
    }

    /// A polyline through `points` as a `<path>`; a single point becomes a dot.
    public mutating func path(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2,
                              dash: String? = nil, title: String? = nil) {
        precondition(!points.isEmpty, "a path needs at least one point")
        if points.count == 1 { return circle(cx: points[0].x, cy: points[0].y, r: width + 1.5, fill: stroke, title: title) }
        var d = "M\(n(points[0].x)) \(n(points[0].y))"
        for p in points.dropFirst() { d += " L\(n(p.x)) \(n(p.y))" }
        var a = "d=\"\(d)\" fill=\"none\" stroke=\"\(escapeXML(stroke))\" stroke-width=\"\(n(width))\" stroke-linejoin=\"round\""
        if let dash { a += " stroke-dasharray=\"\(escapeXML(dash))\"" }
        element("path", a, title: title)
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, title: String? = nil) {
        element("circle", "cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(r))\" fill=\"\(escapeXML(fill))\"", title: title)
    }

    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                              fill: String = "#222", bold: Bool = false, rotate: Double? = nil) {
        var a = "x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(escapeXML(fill))\""
        if bold { a += " font-weight=\"bold\"" }
        if let rotate { a += " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\"" }
        body.append("<text \(a)>\(escapeXML(s))</text>")
    }

    /// The finished `<svg>`: `label` becomes its accessible name, `kind` its CSS class
    /// (`chart chart-<kind>`), which the report checks look for.
    public func render(kind: String, label: String) -> String {
        "<svg class=\"chart chart-\(escapeXML(kind))\" role=\"img\" aria-label=\"\(escapeXML(label))\" "
            + "viewBox=\"0 0 \(n(width)) \(n(height))\" width=\"\(n(width))\" height=\"\(n(height))\">\n"
            + body.joined(separator: "\n") + "\n</svg>"
    }

    private mutating func element(_ name: String, _ attributes: String, title: String? = nil) {
        if let title { body.append("<\(name) \(attributes)><title>\(escapeXML(title))</title></\(name)>") }
        else { body.append("<\(name) \(attributes)/>") }
    }

    private func n(_ v: Double) -> String {
        precondition(v.isFinite, "SVG coordinates must be finite")
        let s = String(format: "%.2f", v)
        var t = Substring(s)
        while t.last == "0" { t.removeLast() }
        if t.last == "." { t.removeLast() }
        return t == "-0" ? "0" : String(t)
    }
}
