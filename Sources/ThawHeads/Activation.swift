import ThawKernels

/// Pointwise nonlinearity of the MLP heads, by the name bundles and run records use; the values come
/// from ThawKernels (`Activation.relu`, `GELU`).
public enum Activation: String, Codable, Hashable, Sendable {
    case relu
    /// Exact GELU, x·Φ(x) (torch's default, not the tanh approximation).
    case gelu

    /// y = f(z) over n values; z is kept by the caller as the saved state for backward.
    public func forward(z: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count n: Int) {
        switch self {
        case .relu:
            y.update(from: z, count: n)
            ThawKernels.Activation.relu.applySerial(y, count: n)
        case .gelu:
            GELU.forward(x: z, count: n, y: y)
        }
    }

    /// dz = dy · f'(z) (overwrites dz; dz may alias dy).
    public func backward(dy: UnsafePointer<Float>, z: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>,
                         count n: Int) {
        switch self {
        case .relu:
            // ReLU's mask reads the output (y > 0), which holds exactly where z > 0.
            ThawKernels.Activation.relu.backwardSerial(y: z, dy: dy, count: n, dx: dz)
        case .gelu:
            GELU.backward(x: z, dy: dy, count: n, dx: dz)
        }
    }
}
