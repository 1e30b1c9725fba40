import ThawTraining

/// LayerNorm over each head's H features of a [B, K·H] activation (torch semantics, biased variance).
public final class StackedLayerNorm {
    public let heads: Int
    public let features: Int
    public let eps: Float
    public let gamma: Parameter   // [K·H], starts at 1
    public let beta: Parameter    // [K·H], starts at 0

    public init(name: String, heads: Int, features: Int, eps: Float = 1e-5) {
        self.heads = heads
        self.features = features
        self.eps = eps
        gamma = Parameter(name: name + ".weight", heads: heads, perHead: features, decays: false, fill: 1)
        beta = Parameter(name: name + ".bias", heads: heads, perHead: features, decays: false)
    }

    /// y = γ·x̂ + β; saves mean and rstd [B·K] for backward.
    public func forward(x: UnsafePointer<Float>, batch: Int, y: UnsafeMutablePointer<Float>,
                        mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        let h = features
        gamma.value.withUnsafeBufferPointer { g in
            beta.value.withUnsafeBufferPointer { b in
                for r in 0..<batch * heads {
                    let xs = x + r * h, ys = y + r * h
                    let k = r % heads
                    var m: Float = 0
                    for j in 0..<h { m += xs[j] }
                    m /= Float(h)
                    var v: Float = 0
                    for j in 0..<h { let d = xs[j] - m; v += d * d }
                    v /= Float(h)
                    let s = 1 / (v + eps).squareRoot()
                    mean[r] = m
                    rstd[r] = s
                    for j in 0..<h { ys[j] = (xs[j] - m) * s * g[k * h + j] + b[k * h + j] }
                }
            }
        }
    }

    /// Accumulates dγ, dβ; writes dx (overwrites; must not alias dy).
    public func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int,
                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let h = features
        gamma.value.withUnsafeBufferPointer { g in
            gamma.grad.withUnsafeMutableBufferPointer { dg in
                beta.grad.withUnsafeMutableBufferPointer { db in
                    for r in 0..<batch * heads {
                        let xs = x + r * h, dys = dy + r * h, dxs = dx + r * h
                        let k = r % heads
                        let m = mean[r], s = rstd[r]
                        var sumD: Float = 0, sumDX: Float = 0
                        for j in 0..<h {
                            let xh = (xs[j] - m) * s
                            let d = dys[j] * g[k * h + j]
                            dg[k * h + j] += dys[j] * xh
                            db[k * h + j] += dys[j]
                            sumD += d
                            sumDX += d * xh
                        }
                        let invH = 1 / Float(h)
                        for j in 0..<h {
                            let xh = (xs[j] - m) * s
                            let d = dys[j] * g[k * h + j]
                            dxs[j] = s * (d - invH * sumD - xh * invH * sumDX)
                        }
                    }
                }
            }
        }
    }
}
