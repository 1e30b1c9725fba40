import ThawKernels

/// How a feature map [N, H, W, C] becomes a vector per sample, chosen at train time. Its `Codable`
/// form and names are those of bundles and run records; the fixed poolings run ThawKernels' kernels.
public enum Pooling: Codable, Hashable, Sendable {
    /// Mean over H·W → [C].
    case avg
    /// Max over H·W → [C].
    case max
    /// Concatenation [avg ‖ max] → [2C].
    case avgMax
    /// Generalised mean (mean_hw clamp(x, eps)^p)^(1/p) → [C] with p learnt per head (starts at `p`).
    case gem(p: Float)

    /// Whether the pooled vector depends on trainable state (then it cannot be computed once).
    public var isLearnable: Bool { if case .gem = self { return true } else { return false } }

    /// Output width for C channels.
    public func outputWidth(channels: Int) -> Int { self == .avgMax ? 2 * channels : channels }

    /// Pools maps [N, S, C] (S = H·W) with a fixed pooling into out [N, width]. Traps for GeM (see `GeM`).
    public func pool(maps x: UnsafePointer<Float>, count n: Int, spatial s: Int, channels c: Int,
                     out: UnsafeMutablePointer<Float>) {
        precondition(!isLearnable, "GeM pooling has per-head p: use GeM.forward")
        precondition(s > 0, "pooling needs at least one spatial position")
        let w = outputWidth(channels: c)
        if self == .avg || self == .avgMax {
            ThawKernels.Pooling.globalAvgPool(x, batch: n, height: s, width: 1, channels: c, into: out, ldy: w)
        }
        if self == .max || self == .avgMax {
            ThawKernels.Pooling.globalMaxPool(x, batch: n, height: s, width: 1, channels: c,
                                              into: self == .max ? out : out + c, ldy: w)
        }
    }
}
