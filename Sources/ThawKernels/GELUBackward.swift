import Foundation

/// Backward of the erf GELU: d/dx [x·Φ(x)] = Φ(x) + x·φ(x), Φ the normal CDF, φ its density.
extension GELU {
    /// dx [count] = dy ⊙ gelu′(x); `dx` may be `dy` (in place). Needs the forward input x.
    public static func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, count: Int,
                                dx: UnsafeMutablePointer<Float>) {
        let block = 4096
        TransformerRows.forEach(rows: (count + block - 1) / block, costPerRow: 10 * block) { range in
            for i in range.lowerBound * block..<min(count, range.upperBound * block) {
                let v = x[i]
                let cdf = 0.5 * (1 + erff(v * 0.70710678118654752))
                let pdf = 0.3989422804014327 * expf(-0.5 * v * v)   // 1/√(2π) · e^(−x²/2)
                dx[i] = dy[i] * (cdf + v * pdf)
            }
        }
    }
}
