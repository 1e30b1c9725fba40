import ThawKernels

/// A trained 1×1 convolution with the frozen BatchNorm after it folded in (W·scale, bias = shift) and its
/// activation, for evaluation: on the AVX-512 training GEMM (`TrainingPointwise`, tiles over the cores, bias +
/// residual + clamp in the register epilogue) where it `supports` the shape, else `Conv2D.forward` (OpenBLAS,
/// then the residual add). Packed once per evaluation, always in float32 whatever the training precision
/// (`--precision bf16`): a run's validation and test metrics are those its exported bundle gives in `thaw predict`.
struct FoldedPointwise {
    let conv: Conv2D                  // GEMM weight [Cin, Cout] · scale, bias [Cout], activation
    let kernel: TrainingPointwise?
    let low: Float, high: Float       // the activation as a clamp

    /// `weight` [Cin, Cout] (GEMM layout) of the convolution `shape`, then `bn` (running statistics) and `activation`.
    init(shape: Conv2DShape, weight: [Float], batchNorm bn: BatchNorm, activation: Activation) {
        precondition(activation == .identity || activation == .relu6, "FoldedPointwise: identity or ReLU6, got \(activation)")
        conv = Conv2D(shape: shape, gemmWeight: weight, activation: activation).foldingBatchNorm(bn)
        (low, high) = activation == .relu6 ? (0, 6) : (-.infinity, .infinity)
        if TrainingPointwise.supports(shape) {
            let k = TrainingPointwise(shape)
            k.prepare(weight: conv.weight, version: 0, precision: .f32)
            kernel = k
        } else {
            kernel = nil
        }
    }

    var outChannels: Int { conv.shape.outChannels }

    /// y [N, H, W, Cout] = act(x [N, H, W, Cin] · W' + b) (+ residual [N, H, W, Cout] after the activation: only
    /// with identity). `y` overlaps neither x nor residual.
    func forward(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int, residual: UnsafePointer<Float>?,
                 into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        precondition(residual == nil || conv.activation == .identity, "FoldedPointwise: a residual needs the identity activation")
        if let kernel {
            conv.bias!.withUnsafeBufferPointer { bb in
                kernel.forward(x, rows: n * h * w, bias: bb.baseAddress!, residual: residual, low: low, high: high, into: y)
            }
            return
        }
        conv.forward(x, batch: n, height: h, width: w, into: y, workspace: workspace)
        if let residual { residualAdd(residual, into: y, count: n * h * w * outChannels) }
    }
}
