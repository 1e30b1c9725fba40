import ThawKernels
import ThawWeights

/// torchvision ResNet-18/34/50/101/152 for frozen inference over NHWC images, BatchNorm folded
/// into every convolution at load (eps 1e-5) and ReLU fused into the convolution epilogues.
///
/// Cut points: `stem` (conv1 7×7 s2 + bn1 + relu + maxpool 3×3 s2), `layer1`…`layer4`,
/// `pool` (mean over H, W), and `fc` when the weights have a classifier.
///
/// Not thread-safe: activations ping-pong between two buffers owned by the instance and all
/// scratch comes from one `Workspace`; use one instance per concurrent forward.
public final class ResNet: Backbone {
    /// Returns the values of a named parameter, row-major in torch's `shape`.
    public typealias ParameterSource = (_ name: String, _ shape: [Int]) throws -> [Float]

    /// Depth → blocks per stage, and whether the blocks are bottlenecks.
    public static let variants: [Int: (blocks: [Int], bottleneck: Bool)] = [
        18: ([2, 2, 2, 2], false), 34: ([3, 4, 6, 3], false),
        50: ([3, 4, 6, 3], true), 101: ([3, 4, 23, 3], true), 152: ([3, 8, 36, 3], true),
    ]
    static let bnEps: Float = 1e-5

    public let name: String
    /// Its 3×3 stride-1 convolutions take Winograd F(4×4, 3×3) where it pays (`WinogradChoice`).
    public var convolutionAlgorithm: String? { WinogradChoice.mayRun ? "winograd-f43" : nil }
    public let depth: Int
    public let cutPoints: [CutPoint]
    @_spi(Profile) public let stem: Conv2D                  // conv1 + bn1 + relu, 3 → 64
    public let stages: [[ResNetBlock]]  // layer1…layer4
    @_spi(Profile) public let fc: LinearParameters?         // [classes, C]
    /// Channels of the pooled vector (512 basic, 2048 bottleneck).
    public let features: Int
    /// Floats the largest activation map of one pass over the layers may hold: `forward` splits larger batches
    /// into chunks of images (default 16 · 56·56·256: 16 images at 224×224; 0: never). Set before forwards start.
    /// Idle, batch 32 at 224: whole 27.4–30.0 img/s at 633–641 MB peak RSS, chunks of 16 the same speed (per-round
    /// ratio 1.00–1.01) at 471 MB, chunks of 8 0.96–1.00 at 378–392 MB.
    public var chunkFloats = 16 * 56 * 56 * 256
    let workspace = Workspace()
    let buffers = PingPong()

    /// Builds from `parameters` (torchvision key names). `classes` nil: no `fc` layer and no `fc` cut.
    public init(depth: Int, classes: Int? = 1000, parameters: ParameterSource) throws {
        guard let v = Self.variants[depth] else {
            preconditionFailure("ResNet: depth must be one of \(Self.variants.keys.sorted()), got \(depth)")
        }
        self.depth = depth
        name = ModelFamily.resNet.rawValue + "\(depth)"
        stem = try Self.foldedConv("conv1", "bn1", Conv2DShape(inChannels: 3, outChannels: 64, kernel: 7, stride: 2,
                                                               padding: .symmetric(3)), relu: true, parameters)
        var stages: [[ResNetBlock]] = []
        var channels = 64
        for (s, count) in v.blocks.enumerated() {
            let width = 64 << s
            var blocks: [ResNetBlock] = []
            for b in 0..<count {
                let block = try ResNetBlock(prefix: "layer\(s + 1).\(b)", bottleneck: v.bottleneck, inChannels: channels,
                                            width: width, stride: b == 0 && s > 0 ? 2 : 1, parameters: parameters)
                channels = block.outChannels
                blocks.append(block)
            }
            stages.append(blocks)
        }
        self.stages = stages
        features = channels
        if let classes {
            fc = LinearParameters(weight: try parameters("fc.weight", [classes, channels]),
                                  bias: try parameters("fc.bias", [classes]), inFeatures: channels, outFeatures: classes)
        } else {
            fc = nil
        }
        cutPoints = Self.cutPoints(classifier: classes != nil)
    }

    /// Loads a torchvision state dict (`.pth` zip or legacy, or `.safetensors`) strictly: every
    /// parameter must be present with its shape and no key may be left over (`module.` prefixes
    /// and `num_batches_tracked` are accepted). The class count comes from `fc.weight`; a file
    /// without `fc` gives a backbone without the `fc` cut.
    /// The cut points, in execution order (they need no weights); `fc` only with a classifier.
    public static func cutPoints(classifier: Bool) -> [CutPoint] {
        [CutPoint(.stem, layout: "HWC")] + (1...4).map { CutPoint(.layer($0), layout: "HWC") }
            + [CutPoint(.pool, layout: "C")] + (classifier ? [CutPoint(.fc, layout: "C")] : [])
    }

    public static func load(depth: Int, path: String) throws -> ResNet {
        let file = try WeightFile.load(path)
        let store = try ParameterStore(file, rules: KeyRule.dataParallel + KeyRule.checkpointWrappers + KeyRule.batchNormCounters)
        var classes: Int? = nil
        if store.contains("fc.weight") {
            let shape = file.tensors.first { $0.name.hasSuffix("fc.weight") }?.shape ?? []
            guard shape.count == 2 else {
                throw BackboneError("\(path): fc.weight has shape \(shape), expected [classes, features]; is this a torchvision ResNet state dict?")
            }
            classes = shape[0]
        }
        let net = try ResNet(depth: depth, classes: classes) { name, shape in try store.take(name, shape: shape) }
        try store.finish()
        return net
    }

    /// A convolution with its BatchNorm (eps 1e-5) folded in, optionally with ReLU fused, its weights
    /// packed for the AVX-512 panel kernel (frozen weights); 3×3 stride-1 ones compute their Winograd
    /// filter on the first forward that runs it (`deferringWinograd()`: at batch 1 on 224×224 images
    /// layer4 never does, which keeps 75 MB of ResNet-50's 131 MB of filters out of memory).
    static func foldedConv(_ conv: String, _ bn: String, _ shape: Conv2DShape, relu: Bool,
                           _ parameters: ParameterSource) throws -> Conv2D {
        let s = shape, c = s.outChannels
        let weight = try parameters(conv + ".weight", [c, s.inPerGroup, s.kernelH, s.kernelW])
        let norm = BatchNorm(gamma: try parameters(bn + ".weight", [c]), beta: try parameters(bn + ".bias", [c]),
                             runningMean: try parameters(bn + ".running_mean", [c]),
                             runningVar: try parameters(bn + ".running_var", [c]), eps: bnEps)
        return Conv2D(shape: s, oihw: weight, activation: relu ? .relu : .identity).foldingBatchNorm(norm).preparingPanels()
            .deferringWinograd()
    }
}

/// Two activation buffers that grow to the largest map seen and are then reused.
final class PingPong {
    private(set) var a = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var b = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var capacity = 1

    /// Ensures both hold `count` floats (contents are lost when they grow).
    func reserve(_ count: Int) {
        if count <= capacity { return }
        a.deallocate(); b.deallocate()
        a = .allocate(capacity: count); b = .allocate(capacity: count)
        capacity = count
    }

    deinit { a.deallocate(); b.deallocate() }
}
