import Foundation
import ThawKernels
import ThawWeights

/// EfficientNet-Lite0…4 (frozen, inference) with lukemelas `efficientnet_pytorch` key names.
///
/// BatchNorm (eps 1e-3) is folded into each convolution at load and ReLU6 runs in the
/// convolution epilogues; every conv pads TF "SAME" (strided convs on even sizes pad only
/// after). Cut points: `stem`, `blocks.0`…`blocks.N-1`, `head` (HWC), `pool`, `fc` (C).
///
/// One forward runs at a time per instance (a lock serialises callers): activations live in
/// one reused `Workspace`, so steady-state forwards of a fixed batch shape allocate only the
/// returned taps.
public final class EfficientNetLite: Backbone, InvertedResidualStages {
    public let variant: Int
    public let name: String
    public let cutPoints: [CutPoint]
    public let blocks: [EfficientNetBlock]
    public let classCount: Int
    @_spi(Profile) public let stem: Conv2D                  // 3 → 32, 3×3 stride 2, ReLU6
    @_spi(Profile) public let head: Conv2D                  // last block's width → 1280, 1×1, ReLU6
    @_spi(Profile) public let packedHead: PackedPointwise   // `head` packed for the AVX-512 1×1 kernel
    @_spi(Profile) public let fc: LinearParameters          // [classes, 1280]
    let workspace = Workspace()       // activations of the current forward
    let lock = NSLock()
    /// Floats one convolution stage may touch per call (input + expanded maps + output of a
    /// chunk of images); a batch runs through each stage in chunks of that size (at least one image).
    public var chunkFloats = 1 << 20

    /// Builds lite`variant` from `parameters` (every key requested with its PyTorch shape).
    public init(variant: Int, classCount: Int = 1000, parameters: EfficientNetParameterSource) throws {
        let specs = EfficientNetLiteSpec.blocks(variant: variant)
        let stemC = EfficientNetLiteSpec.stemChannels, headC = EfficientNetLiteSpec.headChannels
        self.variant = variant
        self.classCount = classCount
        name = ModelFamily.efficientNetLite.rawValue + "\(variant)"
        stem = Conv2D(shape: Conv2DShape(inChannels: 3, outChannels: stemC, kernel: 3, stride: 2, padding: .same),
                      oihw: try parameters("_conv_stem.weight", [stemC, 3, 3, 3]), activation: .relu6)
            .foldingBatchNorm(try EfficientNetBlock.batchNorm("_bn0", channels: stemC, parameters))
        blocks = try specs.enumerated().map { i, spec in
            try EfficientNetBlock(spec: spec, prefix: "_blocks.\(i)", parameters: parameters)
        }
        let last = specs[specs.count - 1].outChannels
        head = Conv2D(shape: Conv2DShape(inChannels: last, outChannels: headC, kernel: 1),
                      oihw: try parameters("_conv_head.weight", [headC, last, 1, 1]), activation: .relu6)
            .foldingBatchNorm(try EfficientNetBlock.batchNorm("_bn1", channels: headC, parameters))
        packedHead = PackedPointwise(head)
        fc = LinearParameters(weight: try parameters("_fc.weight", [classCount, headC]),
                              bias: try parameters("_fc.bias", [classCount]), inFeatures: headC, outFeatures: classCount)
        cutPoints = Self.cutPoints(variant: variant)
    }

    /// Loads a lukemelas-named checkpoint (`.pth`, `.pt` or `.safetensors`) strictly: every key
    /// must be used (BN `num_batches_tracked` and a DataParallel `module.` prefix are tolerated),
    /// and a wrong shape names the key and both shapes.
    /// `classCount` nil: the width of the file's `_fc.weight` (1000 for ImageNet checkpoints; a
    /// `thaw finetune --export` file carries its data set's classifier).
    /// The cut points of lite`variant`, in execution order (they need no weights).
    public static func cutPoints(variant: Int) -> [CutPoint] {
        [CutPoint(.stem, layout: "HWC")]
            + EfficientNetLiteSpec.blocks(variant: variant).indices.map { CutPoint(.blocks($0), layout: "HWC") }
            + [CutPoint(.head, layout: "HWC"), CutPoint(.pool, layout: "C"), CutPoint(.fc, layout: "C")]
    }

    public convenience init(variant: Int, weightsPath: String, classCount: Int? = nil) throws {
        let file = try WeightFile.load(weightsPath)
        let store = try ParameterStore(file, rules: KeyRule.dataParallel + KeyRule.batchNormCounters)
        let classes = classCount ?? file.tensors.first { $0.name.hasSuffix("_fc.weight") }?.shape.first ?? 1000
        try self.init(variant: variant, classCount: classes) { key, shape in try store.take(key, shape: shape) }
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
