import ThawKernels
import ThawWeights

/// ConvNeXt (Liu et al. 2022; T: depths 3-3-9-3, S: 3-3-27-3, widths 96-192-384-768) for frozen inference over
/// NHWC images. NHWC is ConvNeXt's own "channels last", so its LayerNorms are plain row norms over C.
///
/// Per block, in place on x [N, H, W, C]:  x += γ ⊙ fc2(GELU(fc1(LN(dwconv7×7(x)))))  (γ folded into fc2 at load).
/// Stem: conv 4×4 s4 + LN; stage i ≥ 1 starts with LN + conv 2×2 s2. Head: global mean → LN (→ fc).
///
/// Cut points: `stem` (HWC), `stages.0` … `stages.3` (HWC), `pool` (C: the normed mean, timm's
/// `forward_head(pre_logits=True)`), and `fc` when the weights hold a classifier.
///
/// Not thread-safe: activations ping-pong between two buffers and scratch comes from one `Workspace`.
public final class ConvNeXt: Backbone {
    struct Norm { var gamma: [Float]; var beta: [Float] }   // [C] each, eps 1e-6
    struct Block {
        var depthwise: DepthwiseConv2D    // 7×7, padding 3, bias
        var norm: Norm
        var fc1: LinearParameters         // [4C, C]
        var fc2: LinearParameters         // [C, 4C] × γ
    }
    struct Stage {
        var downsample: (norm: Norm, conv: Conv2D)?   // stages 1…3
        var blocks: [Block]
        var channels: Int
    }
    /// LayerNorm eps of every ConvNeXt norm (timm, torchvision and the original all use 1e-6).
    public static let eps: Float = 1e-6

    public let name: String
    public let keyLayout: ConvNeXtKeyLayout
    public let cutPoints: [CutPoint]
    let stem: Conv2D                      // 3 → C₀, 4×4 s4
    let stemNorm: Norm
    let stages: [Stage]
    let headNorm: Norm
    let fc: LinearParameters?             // [classes, C₃]
    /// Blocks per stage and widths, read from the weights.
    public var depths: [Int] { stages.map(\.blocks.count) }
    public var widths: [Int] { stages.map(\.channels) }
    let workspace = Workspace()
    let buffers = PingPong()

    /// Loads a timm, torchvision or facebookresearch state dict strictly (every key used, shapes checked).
    /// Widths and depths come from the tensors; a file without a classifier has no `fc` cut.
    public init(name: String, path: String) throws {
        let file = try WeightFile.load(path)
        let store = try ParameterStore(file, rules: KeyRule.dataParallel + KeyRule.checkpointWrappers)
        let layout = try ConvNeXtKeyLayout.detect(Set(store.names), path: path)
        func shape(_ key: String) throws -> [Int] {
            guard let s = store.shape(of: key) else {
                throw BackboneError("\(path): no tensor '\(key)' in this \(layout.rawValue) ConvNeXt checkpoint; `thaw weights inspect FILE` lists its keys")
            }
            return s
        }
        func norm(_ prefix: String, _ c: Int) throws -> Norm {
            Norm(gamma: try store.take(prefix + ".weight", shape: [c]), beta: try store.take(prefix + ".bias", shape: [c]))
        }
        func conv(_ prefix: String, in cin: Int, out: Int, kernel: Int) throws -> Conv2D {
            Conv2D(shape: Conv2DShape(inChannels: cin, outChannels: out, kernel: kernel, stride: kernel),
                   oihw: try store.take(prefix + ".weight", shape: [out, cin, kernel, kernel]),
                   bias: try store.take(prefix + ".bias", shape: [out]))
        }
        let c0 = try shape(layout.stemConv + ".weight").first ?? 0
        stem = try conv(layout.stemConv, in: 3, out: c0, kernel: 4)
        stemNorm = try norm(layout.stemNorm, c0)
        var stages: [Stage] = [], channels = c0
        for i in 0..<4 {
            var downsample: (Norm, Conv2D)? = nil
            if i > 0 {
                let names = layout.downsample(i)
                let out = try shape(names.conv + ".weight").first ?? 0
                downsample = (try norm(names.norm, channels), try conv(names.conv, in: channels, out: out, kernel: 2))
                channels = out
            }
            var blocks: [Block] = []
            let parts = layout.blockParts
            while store.contains(layout.blockPrefix(stage: i, block: blocks.count) + parts.dw + ".weight") {
                let p = layout.blockPrefix(stage: i, block: blocks.count), c = channels
                let hidden = try shape(p + parts.fc1 + ".weight").first ?? 0
                let scaleShape = layout == .torchvision ? [c, 1, 1] : [c]
                let gamma = try store.take(p + parts.scale, shape: scaleShape)
                var fc2 = try store.take(p + parts.fc2 + ".weight", shape: [c, hidden])
                var fc2Bias = try store.take(p + parts.fc2 + ".bias", shape: [c])
                for o in 0..<c {
                    for k in 0..<hidden { fc2[o * hidden + k] *= gamma[o] }
                    fc2Bias[o] *= gamma[o]
                }
                blocks.append(Block(
                    depthwise: DepthwiseConv2D(channels: c, kernel: 7, padding: .symmetric(3, 3),
                                               weightCHW: try store.take(p + parts.dw + ".weight", shape: [c, 1, 7, 7]),
                                               bias: try store.take(p + parts.dw + ".bias", shape: [c])),
                    norm: try norm(p + parts.norm, c),
                    fc1: LinearParameters(weight: try store.take(p + parts.fc1 + ".weight", shape: [hidden, c]),
                                          bias: try store.take(p + parts.fc1 + ".bias", shape: [hidden]), inFeatures: c, outFeatures: hidden),
                    fc2: LinearParameters(weight: fc2, bias: fc2Bias, inFeatures: hidden, outFeatures: c)))
            }
            guard !blocks.isEmpty else {
                throw BackboneError("\(path): stage \(i) has no blocks (\(layout.blockPrefix(stage: i, block: 0))\(parts.dw).weight missing); is this a 4-stage ConvNeXt?")
            }
            stages.append(Stage(downsample: downsample, blocks: blocks, channels: channels))
        }
        self.stages = stages
        headNorm = try norm(layout.headNorm, channels)
        if store.contains(layout.classifier + ".weight") {
            let classes = try shape(layout.classifier + ".weight").first ?? 0
            fc = LinearParameters(weight: try store.take(layout.classifier + ".weight", shape: [classes, channels]),
                                  bias: try store.take(layout.classifier + ".bias", shape: [classes]), inFeatures: channels, outFeatures: classes)
        } else {
            fc = nil
        }
        try store.finish()
        self.name = name
        keyLayout = layout
        cutPoints = [CutPoint(name: "stem", layout: "HWC")] + (0..<4).map { CutPoint(name: "stages.\($0)", layout: "HWC") }
            + [CutPoint(name: "pool", layout: "C")] + (fc == nil ? [] : [CutPoint(name: "fc", layout: "C")])
    }
}
