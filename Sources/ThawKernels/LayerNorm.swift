/// Layer normalisation over the last axis: y = (x − mean) · rstd · γ + β, rstd = 1/√(var + eps),
/// var the biased variance (as PyTorch). BERT uses eps = 1e-12.
///
/// Two passes per row (mean, then squared deviations), accumulated in Double: one-pass
/// E[x²]−E[x]² loses all digits when |mean| ≫ std, and a Float sum of 384 values near 100 is
/// off by ~1e-5 after normalising. `mean`/`rstd` are what backward needs; pass buffers to keep them.
public enum LayerNorm {
    /// - Parameters:
    ///   - x: [rows, channels]; y may be the same memory (in place).
    ///   - gamma, beta: [channels].
    ///   - mean, rstd: optional [rows] outputs saved for backward.
    public static func forward(x: UnsafePointer<Float>, rows: Int, channels c: Int,
                               gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                               y: UnsafeMutablePointer<Float>,
                               mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil) {
        precondition(c > 0, "LayerNorm: channels must be positive")
        TransformerRows.forEach(rows: rows, costPerRow: 3 * c) { range in
            for r in range {
                let xr = x + r * c, yr = y + r * c
                var sum: Double = 0
                for i in 0..<c { sum += Double(xr[i]) }
                let md = sum / Double(c)
                var sq: Double = 0
                for i in 0..<c { let d = Double(xr[i]) - md; sq += d * d }
                let m = Float(md), s = Float(1 / (sq / Double(c) + Double(eps)).squareRoot())
                for i in 0..<c { yr[i] = (xr[i] - m) * s * gamma[i] + beta[i] }
                mean?[r] = m
                rstd?[r] = s
            }
        }
    }
}
