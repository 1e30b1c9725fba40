/// Folding a frozen BatchNorm into the convolution before it:
/// BN(conv(x) + b) = conv(x)·scale + (b − mean)·scale + beta, so each output channel's
/// weights are multiplied by scale and the bias becomes (b − mean)·scale + beta.
///
/// Only valid while BN is frozen (inference mode, running statistics): a fine-tuning pass
/// that updates BN statistics must keep BN separate.
extension Conv2D {
    public func foldingBatchNorm(_ bn: BatchNorm) -> Conv2D {
        precondition(bn.channels == shape.outChannels,
                     "Conv2D.foldingBatchNorm: BN has \(bn.channels) channels, the convolution outputs \(shape.outChannels)")
        let scale = bn.scaleShift().scale
        let og = shape.outPerGroup
        var w = weight                                 // [G][kh][kw][Cin/G][Cout/G]: last axis is the channel in its group
        let perGroup = shape.patchSize * og
        for i in 0..<w.count {
            let g = i / perGroup
            w[i] *= scale[g * og + i % og]
        }
        var b = [Float](repeating: 0, count: shape.outChannels)
        for o in 0..<b.count { b[o] = ((bias?[o] ?? 0) - bn.mean[o]) * scale[o] + bn.beta[o] }
        return Conv2D(shape: shape, gemmWeight: w, bias: b, activation: activation)
    }
}

extension DepthwiseConv2D {
    public func foldingBatchNorm(_ bn: BatchNorm) -> DepthwiseConv2D {
        precondition(bn.channels == channels,
                     "DepthwiseConv2D.foldingBatchNorm: BN has \(bn.channels) channels, the convolution has \(channels)")
        let (scale, _) = bn.scaleShift()
        var folded = self
        for i in 0..<weight.count { folded.weight[i] *= scale[i % channels] }   // [kh][kw][C]
        var b = [Float](repeating: 0, count: channels)
        for c in 0..<channels { b[c] = ((bias?[c] ?? 0) - bn.mean[c]) * scale[c] + bn.beta[c] }
        folded.bias = b
        return folded
    }
}
