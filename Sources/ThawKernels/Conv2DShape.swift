/// Hyper-parameters of a 2-D convolution (what PyTorch's `nn.Conv2d` takes).
public struct Conv2DShape: Equatable, Sendable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var dilationH: Int, dilationW: Int
    public var groups: Int
    public var padding: Padding2D

    public init(inChannels: Int, outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                dilation: (Int, Int) = (1, 1), groups: Int = 1, padding: Padding2D = .none) {
        precondition(inChannels > 0 && outChannels > 0 && groups > 0, "Conv2DShape: channels and groups must be positive")
        precondition(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2DShape: groups (\(groups)) must divide in (\(inChannels)) and out (\(outChannels)) channels")
        self.inChannels = inChannels; self.outChannels = outChannels
        kernelH = kernel.0; kernelW = kernel.1
        strideH = stride.0; strideW = stride.1
        dilationH = dilation.0; dilationW = dilation.1
        self.groups = groups
        self.padding = padding
    }

    /// Square kernel, stride and dilation.
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, dilation: Int = 1,
                groups: Int = 1, padding: Padding2D = .none) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernel: (kernel, kernel),
                  stride: (stride, stride), dilation: (dilation, dilation), groups: groups, padding: padding)
    }

    public var inPerGroup: Int { inChannels / groups }
    public var outPerGroup: Int { outChannels / groups }
    /// GEMM depth: one lowered window of one group.
    public var patchSize: Int { kernelH * kernelW * inPerGroup }

    /// The window geometry over an input of `height`×`width`.
    public func geometry(height: Int, width: Int) -> WindowGeometry {
        WindowGeometry(inHeight: height, inWidth: width, kernel: (kernelH, kernelW),
                       stride: (strideH, strideW), dilation: (dilationH, dilationW), padding: padding)
    }

    /// A 1×1, stride-1, unpadded convolution is a plain GEMM on the NHWC input.
    public var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1
            && padding.resolve(height: 1, width: 1, kernel: (1, 1), stride: (1, 1)) == ResolvedPadding(top: 0, bottom: 0, left: 0, right: 0)
    }
}
