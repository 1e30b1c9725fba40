import Foundation
import ThawKernels
import ThawWeights

/// torchvision's MobileNetV2 (width 1.0) for frozen inference, with its key names: `features.0`
/// (3×3 stride-2 conv + BN + ReLU6, 3 → 32), `features.1` … `features.17` (inverted residuals),
/// `features.18` (1×1 conv + BN + ReLU6, 320 → 1280), `classifier.1` (Linear 1280 → classes;
/// `classifier.0` is dropout, a no-op here).
///
/// BatchNorm (eps 1e-5) is folded into each convolution at load and ReLU6 runs in the convolution
/// epilogues; every k×k conv pads k/2 on each side (PyTorch's symmetric padding, not TF SAME).
/// Input: ImageNet mean/std on [0, 1] RGB. Cut points: `features.0` … `features.18` (HWC; the
/// block outputs), `pool` (mean over H, W), `fc` (logits).
///
/// One forward runs at a time per instance (a lock serialises callers); activations live in one
/// reused `Workspace`.
public final class MobileNetV2: Backbone, InvertedResidualStages {
    public let name = ModelFamily.mobileNetV2.rawValue
    public let cutPoints: [CutPoint]
    public let blocks: [EfficientNetBlock]    // features.1 … features.17
    public let classCount: Int
    @_spi(Profile) public let stem: Conv2D     // features.0: 3 → 32, 3×3 stride 2, pad 1, ReLU6
    @_spi(Profile) public let head: Conv2D     // features.18: 320 → 1280, 1×1, ReLU6
    @_spi(Profile) public let packedHead: PackedPointwise   // `head` packed for the AVX-512 1×1 kernel
    @_spi(Profile) public let fc: LinearParameters   // classifier.1: [classes, 1280]
    let workspace = Workspace()
    let lock = NSLock()
    public var chunkFloats = 1 << 20

    /// The cut point names, in execution order (they need no weights).
    public static let cutPointNames: [CutPoint] =
        (0...18).map { CutPoint(.features($0), layout: "HWC") }
        + [CutPoint(.pool, layout: "C"), CutPoint(.fc, layout: "C")]

    /// Builds from `parameters` (every key requested with its PyTorch shape).
    public init(classCount: Int = 1000, parameters: EfficientNetParameterSource) throws {
        let specs = MobileNetV2Spec.blocks
        let stemC = MobileNetV2Spec.stemChannels, headC = MobileNetV2Spec.headChannels, eps = MobileNetV2Spec.batchNormEps
        self.classCount = classCount
        stem = Conv2D(shape: Conv2DShape(inChannels: 3, outChannels: stemC, kernel: 3, stride: 2, padding: .symmetric(1)),
                      oihw: try parameters("features.0.0.weight", [stemC, 3, 3, 3]), activation: .relu6)
            .foldingBatchNorm(try EfficientNetBlock.batchNorm("features.0.1", channels: stemC, parameters, eps: eps))
        blocks = try specs.enumerated().map { i, spec in
            try EfficientNetBlock(mobileNetV2: spec, prefix: "features.\(i + 1)", parameters: parameters)
        }
        let last = specs[specs.count - 1].outChannels
        let headKey = "features.\(specs.count + 1)"
        head = Conv2D(shape: Conv2DShape(inChannels: last, outChannels: headC, kernel: 1),
                      oihw: try parameters(headKey + ".0.weight", [headC, last, 1, 1]), activation: .relu6)
            .foldingBatchNorm(try EfficientNetBlock.batchNorm(headKey + ".1", channels: headC, parameters, eps: eps))
        packedHead = PackedPointwise(head)
        fc = LinearParameters(weight: try parameters("classifier.1.weight", [classCount, headC]),
                              bias: try parameters("classifier.1.bias", [classCount]), inFeatures: headC, outFeatures: classCount)
        cutPoints = Self.cutPointNames
    }

    /// Loads a torchvision state dict (`.pth` zip or legacy, or `.safetensors`) strictly: every
    /// key must be used (BN `num_batches_tracked` and a DataParallel `module.` prefix are
    /// tolerated), and a wrong shape names the key and both shapes. `classCount` nil: the width of
    /// the file's `classifier.1.weight`.
    public convenience init(weightsPath: String, classCount: Int? = nil) throws {
        let file = try WeightFile.load(weightsPath)
        let store = try ParameterStore(file, rules: KeyRule.dataParallel + KeyRule.batchNormCounters)
        let classes = classCount ?? file.tensors.first { $0.name.hasSuffix("classifier.1.weight") }?.shape.first ?? 1000
        try self.init(classCount: classes) { key, shape in try store.take(key, shape: shape) }
        try store.finish()
    }

    public func outputShape(at cut: String, inputShape: [Int]) throws -> [Int] {
        try stagedOutputShape(at: cut, inputShape: inputShape)
    }

    public func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        try stagedForward(input, from: from, taps: taps)
    }

    public func computesSamplesAlone(taps: [String]) -> Bool { stagedComputesSamplesAlone(taps: taps) }
}
