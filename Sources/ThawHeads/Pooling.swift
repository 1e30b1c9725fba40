import Foundation

/// How a feature map [N, H, W, C] becomes a vector per sample, chosen at train time.
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
        DispatchQueue.concurrentPerform(iterations: Swift.max(1, Swift.min(n, 64))) { chunk in
            let chunks = Swift.max(1, Swift.min(n, 64))
            let lo = n * chunk / chunks, hi = n * (chunk + 1) / chunks
            for i in lo..<hi {
                let m = x + i * s * c
                let o = out + i * w
                switch self {
                case .avg, .avgMax:
                    for j in 0..<c { o[j] = 0 }
                    for p in 0..<s { for j in 0..<c { o[j] += m[p * c + j] } }
                    let inv = 1 / Float(s)
                    for j in 0..<c { o[j] *= inv }
                    if self == .avgMax {
                        let mo = o + c
                        for j in 0..<c { mo[j] = m[j] }
                        for p in 1..<s { for j in 0..<c { mo[j] = Swift.max(mo[j], m[p * c + j]) } }
                    }
                case .max:
                    for j in 0..<c { o[j] = m[j] }
                    for p in 1..<s { for j in 0..<c { o[j] = Swift.max(o[j], m[p * c + j]) } }
                case .gem:
                    break
                }
            }
        }
    }
}

extension Pooling {
    /// dx [N, S, C] (overwrites) from dy [N, width] for a fixed pooling; max routes each gradient
    /// to the first position holding the maximum (torch's choice too). Traps for GeM (see `GeM.backward`).
    public func backward(dy: UnsafePointer<Float>, maps x: UnsafePointer<Float>, count n: Int, spatial s: Int,
                         channels c: Int, dx: UnsafeMutablePointer<Float>) {
        precondition(!isLearnable, "GeM pooling: use GeM.backward")
        let w = outputWidth(channels: c)
        for i in 0..<n {
            let m = x + i * s * c, d = dx + i * s * c, g = dy + i * w
            for q in 0..<(s * c) { d[q] = 0 }
            if self == .avg || self == .avgMax {
                let inv = 1 / Float(s)
                for p in 0..<s { for j in 0..<c { d[p * c + j] += g[j] * inv } }
            }
            if self == .max || self == .avgMax {
                let gm = self == .max ? g : g + c
                for j in 0..<c {
                    var arg = 0
                    for p in 1..<s where m[p * c + j] > m[arg * c + j] { arg = p }
                    d[arg * c + j] += gm[j]
                }
            }
        }
    }
}
