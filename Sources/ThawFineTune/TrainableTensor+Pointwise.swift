import ThawKernels

/// A trained 1×1 convolution's weight (GEMM layout [Cin, Cout]) run as a convolution over NHWC rows: on
/// the AVX-512 training kernels (`TrainingPointwise`: the weight packed once per optimizer step, tiles over
/// both cores) where `TrainingPointwise.supports` the shape, else as a `Conv2D` (OpenBLAS).
extension TrainableTensor {
    /// The packed kernels of this weight, repacked when the value changed since the last call; nil where
    /// they do not run.
    func pointwiseKernel(_ shape: Conv2DShape) -> TrainingPointwise? {
        guard TrainingPointwise.supports(shape) else { return nil }
        let kernel = packedPointwise ?? TrainingPointwise(shape)
        packedPointwise = kernel
        kernel.prepare(weight: value, version: valueVersion)
        return kernel
    }

    /// y [N, H, W, Cout] = x [N, H, W, Cin] · W (stride 1).
    func pointwiseForward(shape: Conv2DShape, _ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                          into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        if let kernel = pointwiseKernel(shape) {
            kernel.forward(x, rows: n * h * w, into: y)
            return
        }
        Conv2D(shape: shape, gemmWeight: value).trainingForward(x, batch: n, height: h, width: w, into: y, workspace: workspace)
    }

    /// dx [N, H, W, Cin] = dy · Wᵀ (skipped when dx is nil) and grad += xᵀ · dy, from the forward input x
    /// and dy [N, H, W, Cout]. Gradients are not zeroed here.
    func pointwiseBackward(shape: Conv2DShape, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, batch n: Int, height h: Int,
                           width w: Int, dx: UnsafeMutablePointer<Float>?, workspace: Workspace) {
        let kernel = pointwiseKernel(shape)
        let conv = kernel == nil ? Conv2D(shape: shape, gemmWeight: value) : nil
        grad.withUnsafeMutableBufferPointer { gb in
            if let kernel {
                kernel.weightGradient(x: x, dy: dy, rows: n * h * w, into: gb.baseAddress!)
                if let dx { kernel.inputGradient(dy, rows: n * h * w, into: dx) }
            } else {
                conv!.backward(x: x, y: nil, dy: dy, batch: n, height: h, width: w, dx: dx, dWeight: gb.baseAddress!, dBias: nil,
                               workspace: workspace)
            }
        }
    }
}
