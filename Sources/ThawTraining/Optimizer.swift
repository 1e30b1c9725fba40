import Foundation

/// The update rule applied to every parameter tensor (STYLE #8: one tensor from its state).
public enum Optimizer: Codable, Hashable, Sendable {
    /// torch.optim.SGD semantics: g += wd·p; buf = μ·buf + g (buf = g on step 1); p -= lr·(nesterov ? g + μ·buf : buf).
    case sgd(momentum: Float, nesterov: Bool)
    /// torch.optim.AdamW semantics: p *= 1 − lr·wd, then the bias-corrected Adam step.
    case adamw(beta1: Float, beta2: Float, eps: Float)

    public static let sgdDefault = Optimizer.sgd(momentum: 0.9, nesterov: false)
    public static let adamwDefault = Optimizer.adamw(beta1: 0.9, beta2: 0.999, eps: 1e-8)

    /// Number of state buffers (each as long as the parameter) this rule keeps.
    public var stateCount: Int {
        switch self {
        case let .sgd(momentum, _): return momentum == 0 ? 0 : 1
        case .adamw: return 2
        }
    }

    /// Updates `param` in place from `grad` and its `state` (1-based optimizer `step`).
    /// `state1`/`state2` hold momentum / Adam moments and must be zeroed before step 1.
    @inline(__always)
    public func update(param p: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int,
                       state1 s1: UnsafeMutablePointer<Float>?, state2 s2: UnsafeMutablePointer<Float>?,
                       lr: Float, weightDecay wd: Float, step: Int) {
        switch self {
        case let .sgd(mu, nesterov):
            if mu == 0 {
                for i in 0..<n { p[i] -= lr * (g[i] + wd * p[i]) }
                return
            }
            guard let buf = s1 else { preconditionFailure("SGD with momentum needs a state buffer") }
            // One branch-free loop per case: a per-element branch keeps the compiler from vectorising
            // this pass, which runs over every weight of every head each step.
            switch (step == 1, nesterov) {
            case (true, false):
                for i in 0..<n { let gi = g[i] + wd * p[i]; buf[i] = gi; p[i] -= lr * gi }
            case (true, true):
                for i in 0..<n { let gi = g[i] + wd * p[i]; buf[i] = gi; p[i] -= lr * (gi + mu * gi) }
            case (false, false):
                for i in 0..<n { let gi = g[i] + wd * p[i]; let b = mu * buf[i] + gi; buf[i] = b; p[i] -= lr * b }
            case (false, true):
                for i in 0..<n { let gi = g[i] + wd * p[i]; let b = mu * buf[i] + gi; buf[i] = b; p[i] -= lr * (gi + mu * b) }
            }
        case let .adamw(b1, b2, eps):
            guard let m = s1, let v = s2 else { preconditionFailure("AdamW needs two state buffers") }
            let bc1 = 1 - pow(b1, Float(step))
            let bc2sqrt = (1 - pow(b2, Float(step))).squareRoot()
            let stepSize = lr / bc1
            let decay = 1 - lr * wd
            AdamWStep.apply(p: p, g: g, m: m, v: v, count: n, b1: b1, b2: b2, eps: eps,
                            decay: decay, stepSize: stepSize, bc2sqrt: bc2sqrt)
        }
    }
}
