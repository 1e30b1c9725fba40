import ThawKernels

extension EfficientNetBlock {
    /// A block from convolutions that already carry their folded BatchNorm and ReLU6 (a fine-tuned block
    /// evaluated in inference mode): expand (1×1, ReLU6; nil without expansion) → depthwise (ReLU6) →
    /// project (1×1, no activation) (+ skip when `spec.hasSkip`). Packs expand and project for the AVX-512 kernel.
    public init(spec: EfficientNetBlockSpec, expand: Conv2D?, depthwise: DepthwiseConv2D, project: Conv2D) {
        let mid = spec.midChannels
        precondition((expand?.shape.inChannels ?? mid) == spec.inChannels && (expand?.shape.outChannels ?? mid) == mid
                     && depthwise.channels == mid && project.shape.inChannels == mid && project.shape.outChannels == spec.outChannels,
                     "EfficientNetBlock(parts): expand, depthwise and project must be \(spec.inChannels) → \(mid) → \(spec.outChannels) channels")
        self.spec = spec
        self.expand = expand
        self.depthwise = depthwise
        self.project = project
        packedExpand = expand.map(PackedPointwise.init)
        packedProject = PackedPointwise(project)
    }
}
