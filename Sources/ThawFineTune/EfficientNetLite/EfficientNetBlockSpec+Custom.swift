import ThawBackbones

extension EfficientNetBlockSpec {
    /// A block spec of any size (tests, custom widths). ThawBackbones keeps the memberwise
    /// initialiser internal, so this starts from a Lite0 spec and sets every field.
    public static func custom(kernel: Int, stride: Int, expandRatio: Int, inChannels: Int, outChannels: Int) -> EfficientNetBlockSpec {
        precondition(kernel > 0 && stride > 0 && expandRatio > 0 && inChannels > 0 && outChannels > 0,
                     "EfficientNetBlockSpec.custom: every size must be positive")
        var s = EfficientNetLiteSpec.blocks(variant: 0)[0]
        s.kernel = kernel; s.stride = stride; s.expandRatio = expandRatio
        s.inChannels = inChannels; s.outChannels = outChannels
        return s
    }
}
