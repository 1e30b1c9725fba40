import ThawKernels

/// One torchvision ResNet residual block with BatchNorm folded into its convolutions (frozen).
///
/// - basic (ResNet-18/34): relu(bn1(conv1 3×3 stride s)) → bn2(conv2 3×3) → relu(+ identity)
/// - bottleneck (ResNet-50/101/152, "v1.5"): relu(bn1(conv1 1×1)) → relu(bn2(conv2 3×3 stride s))
///   → bn3(conv3 1×1, 4× wider) → relu(+ identity)
///
/// identity = x, or bn(downsample.0 1×1 stride s)(x) when the stride or width changes
/// (`downsample.0` conv, `downsample.1` BN).
public struct ResNetBlock: Sendable {
    /// Folded convolutions in order (2 for basic, 3 for bottleneck); all but the last carry ReLU.
    @_spi(Profile) public let convs: [Conv2D]
    @_spi(Profile) public let downsample: Conv2D?
    public let inChannels: Int
    public let outChannels: Int
    public let stride: Int

    /// Reads `<prefix>.conv1.weight`, `<prefix>.bn1.*`, … through `parameters`.
    /// - Parameters: width: the block's inner width (64·2^stage); output is width (basic) or 4·width.
    public init(prefix: String, bottleneck: Bool, inChannels: Int, width: Int, stride: Int,
                parameters: ResNet.ParameterSource) throws {
        let out = bottleneck ? width * 4 : width
        func p(_ name: String) -> String { prefix + "." + name }
        if bottleneck {
            convs = [
                try ResNet.foldedConv(p("conv1"), p("bn1"), Conv2DShape(inChannels: inChannels, outChannels: width, kernel: 1),
                                      relu: true, parameters),
                try ResNet.foldedConv(p("conv2"), p("bn2"), Conv2DShape(inChannels: width, outChannels: width, kernel: 3,
                                                                        stride: stride, padding: .symmetric(1)),
                                      relu: true, parameters),
                try ResNet.foldedConv(p("conv3"), p("bn3"), Conv2DShape(inChannels: width, outChannels: out, kernel: 1),
                                      relu: false, parameters),
            ]
        } else {
            convs = [
                try ResNet.foldedConv(p("conv1"), p("bn1"), Conv2DShape(inChannels: inChannels, outChannels: width, kernel: 3,
                                                                        stride: stride, padding: .symmetric(1)),
                                      relu: true, parameters),
                try ResNet.foldedConv(p("conv2"), p("bn2"), Conv2DShape(inChannels: width, outChannels: out, kernel: 3,
                                                                        padding: .symmetric(1)),
                                      relu: false, parameters),
            ]
        }
        if stride != 1 || inChannels != out {
            downsample = try ResNet.foldedConv(p("downsample.0"), p("downsample.1"),
                                               Conv2DShape(inChannels: inChannels, outChannels: out, kernel: 1, stride: stride),
                                               relu: false, parameters)
        } else {
            downsample = nil
        }
        self.inChannels = inChannels
        self.outChannels = out
        self.stride = stride
    }

    /// Output (height, width) for an input of h×w: 3×3 pad 1 and 1×1 pad 0 agree at any stride.
    public func outputSize(height h: Int, width w: Int) -> (Int, Int) {
        ((h - 1) / stride + 1, (w - 1) / stride + 1)
    }

    /// y [N, OH, OW, Cout] = block(x [N, H, W, Cin]). Temporaries come from `workspace`
    /// (valid until its next `reset()`); `y` must not overlap `x`. The identity branch (x, or the
    /// downsample's output, computed first) is added by the last convolution's epilogue together with
    /// the final ReLU (`Conv2D.forward(_:batch:height:width:adding:then:into:workspace:)`).
    public func forward(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                        into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        let (oh, ow) = outputSize(height: h, width: w)
        var identity = x
        if let downsample {
            let d = workspace.take(n * oh * ow * outChannels)    // [N, OH, OW, Cout]
            downsample.forward(x, batch: n, height: h, width: w, adding: nil, into: d, workspace: workspace)
            identity = UnsafePointer(d)
        }
        convolutions(x, batch: n, height: h, width: w, adding: identity, into: y, workspace: workspace)
    }

    /// The convolutions of x [N, H, W, Cin], the last adding `identity` [N, OH, OW, Cout] and the final ReLU into y (which
    /// may be `identity` itself when `Conv2D.addsResidualInPlace` holds); inner outputs [N, OH, OW, width] from `workspace`.
    private func convolutions(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                              adding identity: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        var cur = x, ch = h, cw = w
        for (i, conv) in convs.enumerated() {
            let geo = conv.shape.geometry(height: ch, width: cw)
            let last = i == convs.count - 1
            let dst = last ? y : workspace.take(n * geo.outHeight * geo.outWidth * conv.shape.outChannels)
            conv.forward(cur, batch: n, height: ch, width: cw, adding: last ? identity : nil, then: .relu,
                         into: dst, workspace: workspace)
            cur = UnsafePointer(dst); ch = geo.outHeight; cw = geo.outWidth
        }
    }

    /// The last convolution writes its output over the identity branch it adds (`forward(overwriting:…)`), one buffer
    /// fewer per block — ONNX Runtime's fused Sum does the same. The same floats. Set before forwards start.
    nonisolated(unsafe) public static var residualInPlace = true

    /// `forward` that may write the output over `x`, returned: where the block has no downsample its last convolution
    /// stores each output over the value of `x` it adds (the identity branch), and where it has one the downsample writes
    /// into `y` and the last convolution adds it in place there. Only when the last convolution adds its residual in its
    /// epilogue (`Conv2D.addsResidualInPlace`) and `residualInPlace` is on; otherwise `forward` into `y`. The same floats.
    public func forward(overwriting x: UnsafeMutablePointer<Float>, batch n: Int, height h: Int, width w: Int,
                        into y: UnsafeMutablePointer<Float>, workspace: Workspace) -> UnsafeMutablePointer<Float> {
        var lh = h, lw = w      // the last convolution's input size
        for conv in convs.dropLast() { let g = conv.shape.geometry(height: lh, width: lw); (lh, lw) = (g.outHeight, g.outWidth) }
        guard Self.residualInPlace, let lastConv = convs.last, lastConv.addsResidualInPlace(batch: n, height: lh, width: lw) else {
            forward(x, batch: n, height: h, width: w, into: y, workspace: workspace)
            return y
        }
        let target = downsample == nil ? x : y
        downsample?.forward(x, batch: n, height: h, width: w, adding: nil, into: y, workspace: workspace)
        convolutions(x, batch: n, height: h, width: w, adding: target, into: target, workspace: workspace)
        return target
    }

    /// Convenience over tensors: x [N, H, W, Cin] → [N, OH, OW, Cout], with its own workspace.
    public func forward(_ x: Tensor, workspace: Workspace = Workspace()) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == inChannels, "ResNetBlock: input must be NHWC with C = \(inChannels), got \(x.shape)")
        let (oh, ow) = outputSize(height: x.shape[1], width: x.shape[2])
        var y = Tensor(zeros: [x.shape[0], oh, ow, outChannels])
        x.data.withUnsafeBufferPointer { xb in
            y.data.withUnsafeMutableBufferPointer { yb in
                forward(xb.baseAddress!, batch: x.shape[0], height: x.shape[1], width: x.shape[2],
                        into: yb.baseAddress!, workspace: workspace)
            }
        }
        workspace.reset()
        return y
    }
}
