import Foundation

/// A linear map from data values to pixels, with round tick values.
public struct SVGScale: Sendable {
    public var lo: Double, hi: Double        // domain
    public var from: Double, to: Double      // pixels

    /// A scale over `values` (padded when they are all equal).
    public init(values: [Double], from: Double, to: Double, includeZero: Bool = false) {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        self.init(lo: lo, hi: hi, from: from, to: to)
    }

    public init(lo: Double, hi: Double, from: Double, to: Double) {
        precondition(hi > lo, "a scale's domain must not be empty")
        self.lo = lo; self.hi = hi; self.from = from; self.to = to
    }

    public func callAsFunction(_ v: Double) -> Double { from + (v - lo) / (hi - lo) * (to - from) }

    /// About `count` ticks at 1, 2 or 5 × 10ⁿ inside the domain.
    public func ticks(_ count: Int = 5) -> [Double] {
        let raw = (hi - lo) / Double(max(1, count))
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        // Multiples of the step by integer index, so 0.6 is 3 × 0.2 rounded once, not 0.2 + 0.2 + 0.2.
        let first = Int((lo / step).rounded(.up)), last = Int((hi / step + 1e-9).rounded(.down))
        let decimals = max(0, Int(-floor(log10(step))) + 1)
        let scale = pow(10, Double(decimals))
        let out = first > last ? [] : (first...last).map { (Double($0) * step * scale).rounded() / scale }
        return out
    }

    /// A tick label with only the decimals the step needs.
    public static func label(_ v: Double, step: Double) -> String {
        let decimals = max(0, min(6, Int(-floor(log10(step)))))
        return String(format: "%.\(decimals)f", v)
    }
}
