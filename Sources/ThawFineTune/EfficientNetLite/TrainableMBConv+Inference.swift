import ThawBackbones
import ThawKernels

extension TrainableMBConv {
    /// The block as a frozen inference block at its current weights: BN0/BN1/BN2 on their running statistics
    /// folded into expand/depthwise/project (`foldingBatchNorm`), ReLU6 in the epilogues, 1×1 weights packed.
    /// Equal to `forward(mode: .running)` to float rounding (x·(W·scale) instead of (x·W)·scale).
    func inferenceBlock() -> EfficientNetBlock {
        let expand = expandShape.map { shape in
            Conv2D(shape: shape, gemmWeight: expandWeight!.value, activation: .relu6).foldingBatchNorm(bn0!.frozen)
        }
        var dw = depthwise()
        dw.activation = .relu6
        let project = Conv2D(shape: projectShape, gemmWeight: projectWeight.value).foldingBatchNorm(bn2.frozen)
        return EfficientNetBlock(spec: spec, expand: expand, depthwise: dw.foldingBatchNorm(bn1.frozen), project: project)
    }
}

extension TrainableHeadStage {
    /// conv_head with its BN (running statistics) folded and ReLU6 in the epilogue.
    func inferenceConv() -> Conv2D {
        Conv2D(shape: shape, gemmWeight: weight.value, activation: .relu6).foldingBatchNorm(bn.frozen)
    }
}
