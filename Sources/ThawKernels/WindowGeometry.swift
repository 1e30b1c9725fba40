/// The geometry of a sliding 2-D window over an NHWC input: sizes, stride, dilation and the
/// resolved padding. Shared by convolution, depthwise convolution and pooling.
public struct WindowGeometry: Equatable, Sendable {
    public var inHeight: Int, inWidth: Int
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var dilationH: Int, dilationW: Int
    public var pad: ResolvedPadding
    public var outHeight: Int, outWidth: Int

    public init(inHeight: Int, inWidth: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                dilation: (Int, Int) = (1, 1), padding: Padding2D) {
        precondition(inHeight > 0 && inWidth > 0, "WindowGeometry: input must be non-empty, got \(inHeight)×\(inWidth)")
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0,
                     "WindowGeometry: kernel, stride and dilation must be positive")
        self.inHeight = inHeight; self.inWidth = inWidth
        kernelH = kernel.0; kernelW = kernel.1
        strideH = stride.0; strideW = stride.1
        dilationH = dilation.0; dilationW = dilation.1
        pad = padding.resolve(height: inHeight, width: inWidth, kernel: kernel, stride: stride, dilation: dilation)
        let spanH = (kernel.0 - 1) * dilation.0 + 1
        let spanW = (kernel.1 - 1) * dilation.1 + 1
        outHeight = (inHeight + pad.top + pad.bottom - spanH) / stride.0 + 1
        outWidth = (inWidth + pad.left + pad.right - spanW) / stride.1 + 1
        precondition(outHeight > 0 && outWidth > 0,
                     "WindowGeometry: a \(kernel.0)×\(kernel.1) window (dilation \(dilation)) does not fit a padded \(inHeight)×\(inWidth) input")
    }

    /// Output pixels per image.
    public var outPixels: Int { outHeight * outWidth }
}
