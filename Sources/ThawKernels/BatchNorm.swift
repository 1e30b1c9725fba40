/// Frozen (inference-mode) batch normalisation over the last axis of NHWC / [M, C]:
/// y = (x − mean) / sqrt(var + eps) · gamma + beta, i.e. y = x · scale + shift per channel.
///
/// `eps` is part of the layer: EfficientNet-Lite uses 1e-3, ResNet (PyTorch default) 1e-5.
/// Before a frozen convolution, fold it instead (`Conv2D.foldingBatchNorm`): that costs nothing
/// at run time.
public struct BatchNorm: Sendable {
    public let gamma: [Float], beta: [Float], mean: [Float], variance: [Float]   // each [C]
    public let eps: Float

    public init(gamma: [Float], beta: [Float], runningMean: [Float], runningVar: [Float], eps: Float) {
        let c = gamma.count
        precondition(beta.count == c && runningMean.count == c && runningVar.count == c,
                     "BatchNorm: gamma, beta, mean and var must all have C = \(c) values")
        precondition(eps > 0, "BatchNorm: eps must be positive (1e-3 for EfficientNet-Lite, 1e-5 for ResNet)")
        self.gamma = gamma; self.beta = beta; mean = runningMean; variance = runningVar; self.eps = eps
    }

    public var channels: Int { gamma.count }

    /// Per-channel (scale, shift) so that y = x · scale + shift. Computed in Double.
    public func scaleShift() -> (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            let s = Double(gamma[c]) / (Double(variance[c]) + Double(eps)).squareRoot()
            scale[c] = Float(s)
            shift[c] = Float(Double(beta[c]) - Double(mean[c]) * s)
        }
        return (scale, shift)
    }

    /// y [rows, C] = act(x · scale + shift); `x` and `y` may be the same buffer.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
                        activation: Activation = .identity) {
        let (scale, shift) = scaleShift()
        let c = channels
        scale.withUnsafeBufferPointer { sb in
            shift.withUnsafeBufferPointer { hb in
                let s = sb.baseAddress!, h = hb.baseAddress!
                ParallelRows.run(rows, grain: max(1, 16384 / c)) { part in
                    for r in part {
                        let xi = x + r * c, yo = y + r * c
                        for j in 0..<c { yo[j] = xi[j] * s[j] + h[j] }
                        activation.applySerial(yo, count: c)
                    }
                }
            }
        }
    }
}
