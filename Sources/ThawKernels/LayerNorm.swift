/// Layer normalisation over the last axis: y = (x − mean) · rstd · γ + β, rstd = 1/√(var + eps),
/// var the biased variance (as PyTorch). BERT uses eps = 1e-12.
///
/// Float, eight lanes, two passes per row: a first mean m₀, then the deviations d = x − m₀ with
/// Σd and Σd², corrected as mean = m₀ + Σd/n, var = (Σd² − (Σd)²/n)/n. One-pass E[x²]−E[x]² loses
/// all digits when |mean| ≫ std; the correction removes the rounding error of m₀ (to first order),
/// so rows near 100 with unit spread stay as exact as a Double accumulation (see tests).
/// `mean`/`rstd` are what backward needs; pass buffers to keep them.
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
            forwardRows(range, x: x, channels: c, gamma: gamma, beta: beta, eps: eps, y: y, mean: mean, rstd: rstd)
        }
    }

    /// `forward` over rows `range` only, on the calling thread (for callers that split the rows themselves, e.g.
    /// as the first phase of a GEMM's dispatch: `PanelLinear.forward(…prologue:)`). Same floats as `forward`.
    public static func forwardRows(_ range: Range<Int>, x: UnsafePointer<Float>, channels c: Int,
                                   gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                                   y: UnsafeMutablePointer<Float>,
                                   mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil) {
        typealias F8 = SIMD8<Float>
        let n = Float(c), body = c & ~7                     // channels handled 8 at a time
        do {
            for r in range {
                let xr = x + r * c, yr = y + r * c
                var s8 = F8()
                for i in stride(from: 0, to: body, by: 8) { s8 += UnsafeRawPointer(xr + i).loadUnaligned(as: F8.self) }
                var sum = s8.sum()
                for i in body..<c { sum += xr[i] }
                let m0 = sum / n
                var d8 = F8(), q8 = F8()
                for i in stride(from: 0, to: body, by: 8) {
                    let d = UnsafeRawPointer(xr + i).loadUnaligned(as: F8.self) - m0
                    d8 += d
                    q8 += d * d
                }
                var ds = d8.sum(), qs = q8.sum()
                for i in body..<c { let d = xr[i] - m0; ds += d; qs += d * d }
                let m = m0 + ds / n
                let s = 1 / (max(0, (qs - ds * ds / n) / n) + eps).squareRoot()
                for i in stride(from: 0, to: body, by: 8) {
                    let v = UnsafeRawPointer(xr + i).loadUnaligned(as: F8.self)
                    let g = UnsafeRawPointer(gamma + i).loadUnaligned(as: F8.self)
                    let b = UnsafeRawPointer(beta + i).loadUnaligned(as: F8.self)
                    UnsafeMutableRawPointer(yr + i).storeBytes(of: (v - m) * s * g + b, as: F8.self)
                }
                for i in body..<c { yr[i] = (xr[i] - m) * s * gamma[i] + beta[i] }
                mean?[r] = m
                rstd?[r] = s
            }
        }
    }
}
