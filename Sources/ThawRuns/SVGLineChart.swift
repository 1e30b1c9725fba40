/// A line chart with axes, grid and legend (learning curves: loss or accuracy per epoch).
public struct SVGLineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var colour: String
        public var dashed: Bool
        public var points: [(x: Double, y: Double)]
        public init(name: String, colour: String, dashed: Bool = false, points: [(x: Double, y: Double)]) {
            self.name = name; self.colour = colour; self.dashed = dashed; self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var percent = false            // y values are fractions shown as %
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, percent: Bool = false, series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.percent = percent; self.series = series
    }

    /// The chart, or nil when no series has a point (callers show a note instead of an empty chart).
    public func render(kind: String, width: Double = 560, height: Double = 330) -> String? {
        let drawn = series.filter { !$0.points.isEmpty }
        guard !drawn.isEmpty else { return nil }
        let legendRows = drawn.count
        let (left, right, top) = (58.0, 16.0, 34.0)
        let bottom = 44.0 + 16 * Double(legendRows)
        var svg = SVGWriter(width: width, height: height + 16 * Double(legendRows))
        let all = drawn.flatMap(\.points)
        let xs = SVGScale(values: all.map(\.x), from: left, to: width - right)
        let ys = SVGScale(values: all.map(\.y), from: svg.height - bottom, to: top)
        let plotBottom = svg.height - bottom
        svg.text(title, x: left, y: 20, size: 14, bold: true)
        svg.rect(x: left, y: top, width: width - right - left, height: plotBottom - top, fill: "#fafafa", stroke: "#ddd")
        let yTicks = ys.ticks(5)
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        for t in yTicks {
            svg.line(x1: left, y1: ys(t), x2: width - right, y2: ys(t), stroke: "#e4e4e4")
            let label = percent ? SVGScale.label(100 * t, step: 100 * yStep) + "%" : SVGScale.label(t, step: yStep)
            svg.text(label, x: left - 6, y: ys(t) + 4, size: 11, anchor: .end, fill: "#555")
        }
        let xTicks = xs.ticks(min(8, max(1, Set(all.map(\.x)).count - 1))).filter { $0 == $0.rounded() }
        for t in xTicks {
            svg.line(x1: xs(t), y1: plotBottom, x2: xs(t), y2: plotBottom + 4, stroke: "#888")
            svg.text(SVGScale.label(t, step: 1), x: xs(t), y: plotBottom + 17, size: 11, anchor: .middle, fill: "#555")
        }
        svg.text(xLabel, x: (left + width - right) / 2, y: plotBottom + 33, size: 12, anchor: .middle, fill: "#333")
        svg.text(yLabel, x: 16, y: (top + plotBottom) / 2, size: 12, anchor: .middle, fill: "#333", rotate: -90)
        for s in drawn {
            svg.path(s.points.map { (xs($0.x), ys($0.y)) }, stroke: s.colour, width: 2, dash: s.dashed ? "6 4" : nil, title: s.name)
        }
        for (i, s) in drawn.enumerated() {
            let y = plotBottom + 50 + 16 * Double(i)
            svg.line(x1: left, y1: y - 4, x2: left + 26, y2: y - 4, stroke: s.colour, width: 2.5)
            if s.dashed { svg.rect(x: left + 9, y: y - 6, width: 5, height: 4, fill: "#ffffff") }
            svg.text(s.name, x: left + 32, y: y, size: 11, fill: "#333")
        }
        return svg.render(kind: kind, label: title)
    }
}
