extension FineTuneModel {
    /// Bytes the model keeps while training: every tensor's value, gradient and two optimizer moments.
    public var trainingStateBytes: Int { tensors.reduce(0) { $0 + $1.count } * 4 * 4 }

    /// Estimated bytes of saved activations per training row fed maps of `height`×`width`: each MBConv keeps
    /// about six maps of its expanded width (expand, BN, ReLU6, depthwise, BN, ReLU6) plus its input and output,
    /// a ResNet block about eight of its width, a ConvNeXt block about fourteen, the head stage three of its width (backward frees them as it goes).
    /// An estimate for `--memory-budget` accounting, not a bound: Lite0 blocks 12–15 at 7×7 estimate 6.6 MB a row;
    /// measured (peak RSS of an in-memory run minus maps, fixed cost and weights; release, chunk 32) 4.8 MB.
    public func activationBytesPerRow(height: Int, width: Int) -> Int {
        var (h, w) = (height, width), floats = 0
        for b in blocks {
            let s = b.spec
            floats += s.inChannels * h * w + 6 * s.midChannels * h * w
            (h, w) = ((h + s.stride - 1) / s.stride, (w + s.stride - 1) / s.stride)
            floats += 2 * s.outChannels * h * w
        }
        for b in resNetBlocks {
            (h, w) = ((h + b.stride - 1) / b.stride, (w + b.stride - 1) / b.stride)
            floats += 8 * b.outChannels * h * w
        }
        if let head { floats += 3 * head.headChannels * h * w }
        if let convNeXt { floats += convNeXt.activationFloatsPerRow(height: h, width: w) }
        return floats * 4
    }
}
