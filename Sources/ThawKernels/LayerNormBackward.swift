/// Backward of `LayerNorm.forward` from the saved per-row mean and rstd:
/// x̂ = (x − mean)·rstd, g = dy ⊙ γ, dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)),
/// dγ += Σ_rows dy ⊙ x̂, dβ += Σ_rows dy.
extension LayerNorm {
    /// - Parameters:
    ///   - x, dy: [rows, channels]; mean, rstd: [rows] as saved by `forward`.
    ///   - dx: [rows, channels], written (may be dy: in place).
    ///   - dGamma, dBeta: [channels], accumulated.
    public static func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int, channels c: Int,
                                gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>,
                                dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>) {
        precondition(c > 0, "LayerNorm.backward: channels must be positive")
        // Parameter gradients first (dx may overwrite dy), serially over rows: deterministic.
        for r in 0..<rows {
            let xr = x + r * c, dr = dy + r * c, m = mean[r], s = rstd[r]
            for i in 0..<c {
                dGamma[i] += dr[i] * (xr[i] - m) * s
                dBeta[i] += dr[i]
            }
        }
        TransformerRows.forEach(rows: rows, costPerRow: 6 * c) { range in
            for r in range {
                let xr = x + r * c, dr = dy + r * c, out = dx + r * c, m = mean[r], s = rstd[r]
                var sumG: Float = 0, sumGX: Float = 0
                for i in 0..<c {
                    let g = dr[i] * gamma[i]
                    sumG += g
                    sumGX += g * (xr[i] - m) * s
                }
                let meanG = sumG / Float(c), meanGX = sumGX / Float(c)
                for i in 0..<c {
                    let xhat = (xr[i] - m) * s
                    out[i] = s * (dr[i] * gamma[i] - meanG - xhat * meanGX)
                }
            }
        }
    }
}
