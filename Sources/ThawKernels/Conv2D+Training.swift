extension Conv2D {
    /// The forward pass of a training step: y [N, OH, OW, Cout] = conv(x). With the fused training
    /// kernels, a 1×1 stride-1 convolution without bias or activation (every 1×1 of an inverted-residual
    /// block) is one GEMM over the whole chunk split over the cores in single-threaded parts
    /// (`SplitGEMM.sgemmParts`, any M), like its backward; everything else is `forward`.
    public func trainingForward(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                                into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        let s = shape
        guard TrainingKernels.fused, TrainingKernels.splitGEMMs, s.isPointwise, s.groups == 1, bias == nil, activation == .identity else {
            _ = forward(x, batch: n, height: h, width: w, into: y, workspace: workspace)
            return
        }
        weight.withUnsafeBufferPointer { wb in
            // y [rows, Cout] = x [rows, Cin] · W [Cin, Cout]
            SplitGEMM.sgemmParts(m: n * h * w, n: s.outChannels, k: s.inChannels, a: x, lda: s.inChannels,
                                 b: wb.baseAddress!, ldb: s.outChannels, c: y, ldc: s.outChannels)
        }
    }
}
