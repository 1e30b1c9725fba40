import ThawKernels

/// Reads one parameter by its full checkpoint key with the shape the model expects (row-major,
/// PyTorch order). Strict stores throw naming the key and both shapes.
public typealias EfficientNetParameterSource = (_ key: String, _ shape: [Int]) throws -> [Float]

/// An inverted-residual block with every BatchNorm folded into the convolution before it
/// (frozen inference only): [expand 1×1 + ReLU6] → depthwise k×k + ReLU6 → project 1×1 (+ skip).
/// EfficientNet-Lite loads it here (lukemelas keys, TF SAME, eps 1e-3); MobileNetV2 in
/// `EfficientNetBlock+MobileNetV2.swift` (torchvision keys, symmetric padding, eps 1e-5).
public struct EfficientNetBlock: Sendable {
    public let spec: EfficientNetBlockSpec
    @_spi(Profile) public let expand: Conv2D?            // C → mid, ReLU6 fused; nil when the expand ratio is 1
    @_spi(Profile) public let depthwise: DepthwiseConv2D // mid → mid, stride s, ReLU6 fused
    @_spi(Profile) public let project: Conv2D            // mid → out, no activation
    /// expand and project packed once for the AVX-512 1×1 kernel (the fused and phased paths).
    @_spi(Profile) public let packedExpand: PackedPointwise?
    @_spi(Profile) public let packedProject: PackedPointwise

    /// Loads `<prefix>._expand_conv`, `_bn0`, `_depthwise_conv`, `_bn1`, `_project_conv`, `_bn2`.
    public init(spec: EfficientNetBlockSpec, prefix: String, parameters: EfficientNetParameterSource) throws {
        self.spec = spec
        let mid = spec.midChannels
        if spec.expandRatio != 1 {
            let shape = Conv2DShape(inChannels: spec.inChannels, outChannels: mid, kernel: 1)
            expand = Conv2D(shape: shape, oihw: try parameters("\(prefix)._expand_conv.weight", [mid, spec.inChannels, 1, 1]),
                            activation: .relu6)
                .foldingBatchNorm(try Self.batchNorm("\(prefix)._bn0", channels: mid, parameters))
        } else {
            expand = nil
        }
        depthwise = DepthwiseConv2D(channels: mid, kernel: spec.kernel, stride: spec.stride, padding: .same,
                                    weightCHW: try parameters("\(prefix)._depthwise_conv.weight", [mid, 1, spec.kernel, spec.kernel]),
                                    activation: .relu6)
            .foldingBatchNorm(try Self.batchNorm("\(prefix)._bn1", channels: mid, parameters))
        project = Conv2D(shape: Conv2DShape(inChannels: mid, outChannels: spec.outChannels, kernel: 1),
                         oihw: try parameters("\(prefix)._project_conv.weight", [spec.outChannels, mid, 1, 1]))
            .foldingBatchNorm(try Self.batchNorm("\(prefix)._bn2", channels: spec.outChannels, parameters))
        packedExpand = expand.map(PackedPointwise.init)
        packedProject = PackedPointwise(project)
    }

    /// A frozen BatchNorm from `<prefix>.weight/bias/running_mean/running_var` (eps 1e-3 for
    /// EfficientNet-Lite; torchvision models use 1e-5).
    static func batchNorm(_ prefix: String, channels c: Int, _ parameters: EfficientNetParameterSource,
                          eps: Float = EfficientNetLiteSpec.batchNormEps) throws -> BatchNorm {
        BatchNorm(gamma: try parameters(prefix + ".weight", [c]), beta: try parameters(prefix + ".bias", [c]),
                  runningMean: try parameters(prefix + ".running_mean", [c]),
                  runningVar: try parameters(prefix + ".running_var", [c]), eps: eps)
    }

    /// Output size of one axis (the depthwise stride and padding decide it: ceil(in / stride) for
    /// TF SAME and for MobileNetV2's symmetric k/2 padding alike).
    public func outputSize(_ size: Int) -> Int { depthwise.geometry(height: size, width: 1).outHeight }

    /// How `forward` runs x [n, h, w, in] fused band by band (`InvertedResidual`), or nil when it
    /// runs layer by layer (small maps at batch 1, or fusion turned off).
    public func fusedPlan(batch n: Int, height h: Int, width w: Int) -> InvertedResidualPlan? {
        InvertedResidual.plan(expand: expand, depthwise: depthwise, project: project, batch: n, height: h, width: w)
    }

    /// Floats of scratch `forward` needs for `batch` images of `h`×`w`: the fused path's per-core
    /// bands, or the expanded and depthwise maps of the phased and layer-by-layer paths.
    public func scratchCount(batch n: Int, height h: Int, width w: Int) -> Int {
        if let plan = fusedPlan(batch: n, height: h, width: w) { return plan.scratchFloats }
        let mid = spec.midChannels
        let expanded = expand == nil ? 0 : n * h * w * mid           // [N, H, W, mid]
        let oh = outputSize(h), ow = outputSize(w)
        return expanded + n * oh * ow * mid                           // + [N, OH, OW, mid]
    }

    /// `forward`'s phases at a batch below the core count — its row segments (`InvertedResidual.bandPhase`) or its
    /// phases (`InvertedResidual.phases`) — for a caller that chains consecutive blocks in one region; nil when it
    /// runs otherwise. Same arguments.
    public func phases(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                       into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) -> [Phase]? {
        if let plan = fusedPlan(batch: n, height: h, width: w) {
            return InvertedResidual.bandPhase(plan, expand: expand, depthwise: depthwise, project: project,
                                              packed: (packedExpand, packedProject), skip: spec.hasSkip,
                                              x: x, batch: n, height: h, width: w, into: y, scratch: scratch).map { [$0] }
        }
        guard InvertedResidual.usesPhased(batch: n) else { return nil }
        return InvertedResidual.phases(expand: packedExpand, depthwise: depthwise, project: packedProject, skip: spec.hasSkip,
                                       x: x, batch: n, height: h, width: w, into: y, scratch: scratch)
    }

    /// y [N, OH, OW, out] = block(x [N, H, W, in]), band by band when `fusedPlan` gives a plan, else
    /// in phases on all cores (`InvertedResidual.forwardPhased`: small maps at batch 1), else layer by layer. `scratch` holds `scratchCount` floats; `y` must overlap neither `x` nor
    /// `scratch`. Returns (OH, OW).
    @discardableResult
    public func forward(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                        into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                        workspace: Workspace) -> (height: Int, width: Int) {
        if let plan = fusedPlan(batch: n, height: h, width: w) {
            InvertedResidual.forward(plan, expand: expand, depthwise: depthwise, project: project,
                                     packed: (packedExpand, packedProject), skip: spec.hasSkip,
                                     x: x, batch: n, height: h, width: w, into: y, scratch: scratch)
            return (outputSize(h), outputSize(w))
        }
        if InvertedResidual.usesPhased(batch: n) {
            InvertedResidual.forwardPhased(expand: packedExpand, depthwise: depthwise, project: packedProject, skip: spec.hasSkip,
                                           x: x, batch: n, height: h, width: w, into: y, scratch: scratch)
            return (outputSize(h), outputSize(w))
        }
        var dwInput = x
        var dwOutput = scratch
        if let expand {
            expand.forward(x, batch: n, height: h, width: w, into: scratch, workspace: workspace)
            dwInput = UnsafePointer(scratch)
            dwOutput = scratch + n * h * w * spec.midChannels
        }
        let geo = depthwise.forward(dwInput, batch: n, height: h, width: w, into: dwOutput)
        project.forward(dwOutput, batch: n, height: geo.outHeight, width: geo.outWidth, into: y, workspace: workspace)
        if spec.hasSkip {
            residualAdd(x, into: y, count: n * h * w * spec.outChannels)
        }
        return (geo.outHeight, geo.outWidth)
    }
}
