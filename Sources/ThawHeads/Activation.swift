import Foundation

/// Pointwise nonlinearity of the MLP heads.
public enum Activation: String, Codable, Hashable, Sendable {
    case relu
    /// Exact GELU, x·Φ(x) (torch's default, not the tanh approximation).
    case gelu

    /// y = f(z) over n values; z is kept by the caller as the saved state for backward.
    public func forward(z: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count n: Int) {
        switch self {
        case .relu:
            for i in 0..<n { y[i] = max(z[i], 0) }
        case .gelu:
            for i in 0..<n {
                let x = z[i]
                y[i] = 0.5 * x * (1 + erff(x * 0.70710678118654752))
            }
        }
    }

    /// dz = dy · f'(z) (overwrites dz; dz may alias dy).
    public func backward(dy: UnsafePointer<Float>, z: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>,
                         count n: Int) {
        switch self {
        case .relu:
            for i in 0..<n { dz[i] = z[i] > 0 ? dy[i] : 0 }
        case .gelu:
            for i in 0..<n {
                let x = z[i]
                let cdf = 0.5 * (1 + erff(x * 0.70710678118654752))
                let pdf = 0.39894228040143268 * expf(-0.5 * x * x)
                dz[i] = dy[i] * (cdf + x * pdf)
            }
        }
    }
}
