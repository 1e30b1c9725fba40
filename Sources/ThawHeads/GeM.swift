import Foundation

/// Generalised-mean pooling with a learnable exponent per head.
///
/// y_{b,k,c} = (m)^(1/p_k), m = (1/S)·Σ_s clamp(x_{b,s,c}, eps)^p_k; x is [B, S, C], y is [B, K·C]
/// (head k's pooled vector in columns k·C ..< (k+1)·C, ready for a non-shared `StackedLinear`).
public enum GeM {
    public static let eps: Float = 1e-6

    /// Forward; saves m [B, K·C] (the mean of powers) for backward.
    public static func forward(x: UnsafePointer<Float>, batch: Int, spatial s: Int, channels c: Int,
                               p: UnsafePointer<Float>, heads: Int,
                               y: UnsafeMutablePointer<Float>, savedMean: UnsafeMutablePointer<Float>) {
        let kc = heads * c
        for b in 0..<batch {
            let xb = x + b * s * c
            for k in 0..<heads {
                let pk = p[k]
                let m = savedMean + b * kc + k * c
                for j in 0..<c { m[j] = 0 }
                for q in 0..<s { for j in 0..<c { m[j] += powf(Swift.max(xb[q * c + j], eps), pk) } }
                let inv = 1 / Float(s)
                let yk = y + b * kc + k * c
                for j in 0..<c { m[j] *= inv; yk[j] = powf(m[j], 1 / pk) }
            }
        }
    }

    /// Accumulates dp[K] from dy [B, K·C]; writes dx [B, S, C] (overwrites, summed over heads) when given.
    ///
    /// With u = Σ_s z^p/S (z = clamp(x)), y = u^(1/p):
    /// dy/dp = y·(−ln u / p² + (Σ_s z^p ln z)/(S·u·p));  dy/dx = y·z^(p−1)/(S·u) where x > eps.
    public static func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int, spatial s: Int,
                                channels c: Int, p: UnsafePointer<Float>, heads: Int,
                                y: UnsafePointer<Float>, savedMean: UnsafePointer<Float>,
                                dp: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let kc = heads * c
        if let dx { for i in 0..<batch * s * c { dx[i] = 0 } }
        for b in 0..<batch {
            let xb = x + b * s * c
            for k in 0..<heads {
                let pk = p[k]
                var dpk: Double = 0
                for j in 0..<c {
                    let u = savedMean[b * kc + k * c + j]
                    let yv = y[b * kc + k * c + j]
                    let g = dy[b * kc + k * c + j]
                    if g == 0 { continue }
                    var sumZpLnZ: Float = 0
                    for q in 0..<s {
                        let z = Swift.max(xb[q * c + j], eps)
                        let zp = powf(z, pk)
                        sumZpLnZ += zp * logf(z)
                        if let dx, xb[q * c + j] > eps {
                            dx[b * s * c + q * c + j] += g * yv * zp / (z * Float(s) * u)
                        }
                    }
                    let dydp = yv * (-logf(u) / (pk * pk) + sumZpLnZ / (Float(s) * u * pk))
                    dpk += Double(g * dydp)
                }
                dp[k] += Float(dpk)
            }
        }
    }
}
