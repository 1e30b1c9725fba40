import ThawKernels

extension EfficientNetBlock {
    /// Loads torchvision's `InvertedResidual` at `prefix` (e.g. `features.5`), BatchNorm (eps 1e-5)
    /// folded, symmetric padding k/2 (PyTorch's `padding=1`, not TF SAME):
    /// - expand ratio 1: `conv.0.0` depthwise + `conv.0.1` BN + ReLU6, `conv.1` project + `conv.2` BN;
    /// - otherwise:      `conv.0.0` expand + `conv.0.1` BN + ReLU6, `conv.1.0` depthwise + `conv.1.1` BN
    ///                   + ReLU6, `conv.2` project + `conv.3` BN.
    init(mobileNetV2 spec: EfficientNetBlockSpec, prefix: String, parameters: EfficientNetParameterSource) throws {
        let mid = spec.midChannels, eps = MobileNetV2Spec.batchNormEps
        let p = prefix + ".conv"
        func bn(_ key: String, _ c: Int) throws -> BatchNorm { try Self.batchNorm("\(p).\(key)", channels: c, parameters, eps: eps) }
        let dw: String, dwBN: String, proj: String, projBN: String
        if spec.expandRatio == 1 {
            (dw, dwBN, proj, projBN) = ("0.0", "0.1", "1", "2")
            expand = nil
        } else {
            (dw, dwBN, proj, projBN) = ("1.0", "1.1", "2", "3")
            expand = Conv2D(shape: Conv2DShape(inChannels: spec.inChannels, outChannels: mid, kernel: 1),
                            oihw: try parameters("\(p).0.0.weight", [mid, spec.inChannels, 1, 1]), activation: .relu6)
                .foldingBatchNorm(try bn("0.1", mid))
        }
        self.spec = spec
        depthwise = DepthwiseConv2D(channels: mid, kernel: spec.kernel, stride: spec.stride, padding: .symmetric(spec.kernel / 2),
                                    weightCHW: try parameters("\(p).\(dw).weight", [mid, 1, spec.kernel, spec.kernel]),
                                    activation: .relu6)
            .foldingBatchNorm(try bn(dwBN, mid))
        project = Conv2D(shape: Conv2DShape(inChannels: mid, outChannels: spec.outChannels, kernel: 1),
                         oihw: try parameters("\(p).\(proj).weight", [spec.outChannels, mid, 1, 1]))
            .foldingBatchNorm(try bn(projBN, spec.outChannels))
        packedExpand = expand.map(PackedPointwise.init)
        packedProject = PackedPointwise(project)
    }
}
