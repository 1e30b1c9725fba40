import ThawKernels

extension TrainableMBConv {
    /// The block frozen at its current weights for evaluation: BN0/BN1/BN2 on running statistics folded into
    /// expand/depthwise/project, ReLU6 in the epilogues. Equal to `forward(mode: .running)` to float rounding
    /// (x·(W·scale) instead of (x·W)·scale).
    func inferenceParts() -> (expand: FoldedPointwise?, depthwise: DepthwiseConv2D, project: FoldedPointwise) {
        let expand = expandShape.map { FoldedPointwise(shape: $0, weight: expandWeight!.value, batchNorm: bn0!.frozen, activation: .relu6) }
        var dw = depthwise()
        dw.activation = .relu6
        let project = FoldedPointwise(shape: projectShape, weight: projectWeight.value, batchNorm: bn2.frozen, activation: .identity)
        return (expand, dw.foldingBatchNorm(bn1.frozen), project)
    }
}

extension TrainableHeadStage {
    /// conv_head with its BN (running statistics) folded and ReLU6 in the epilogue.
    func inferenceConv() -> FoldedPointwise {
        FoldedPointwise(shape: shape, weight: weight.value, batchNorm: bn.frozen, activation: .relu6)
    }
}
