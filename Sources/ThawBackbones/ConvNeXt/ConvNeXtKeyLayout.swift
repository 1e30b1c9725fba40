import ThawWeights

/// Key conventions of ConvNeXt checkpoints, recognised from the keys.
///
/// | piece | timm (`convnext_tiny`) | torchvision (`convnext_tiny`) | facebookresearch/ConvNeXt |
/// |---|---|---|---|
/// | stem conv 4×4 s4, LayerNorm | `stem.0`, `stem.1` | `features.0.0`, `features.0.1` | `downsample_layers.0.0`, `.0.1` |
/// | downsample i ≥ 1: LayerNorm, conv 2×2 s2 | `stages.i.downsample.0`, `.1` | `features.2i.0`, `.1` | `downsample_layers.i.0`, `.1` |
/// | block j of stage i | `stages.i.blocks.j.` | `features.(2i+1).j.` | `stages.i.j.` |
/// | depthwise 7×7, LayerNorm, fc1, fc2, layer scale | `conv_dw`, `norm`, `mlp.fc1`, `mlp.fc2`, `gamma` [C] | `block.0`, `block.2`, `block.3`, `block.5`, `layer_scale` [C,1,1] | `dwconv`, `norm`, `pwconv1`, `pwconv2`, `gamma` |
/// | head LayerNorm, classifier | `head.norm`, `head.fc` | `classifier.0`, `classifier.2` | `norm`, `head` |
public enum ConvNeXtKeyLayout: String, Sendable {
    case timm
    case torchvision
    case official

    public static func detect(_ names: Set<String>, path: String) throws -> ConvNeXtKeyLayout {
        if names.contains("stem.0.weight") { return .timm }
        if names.contains("features.0.0.weight") { return .torchvision }
        if names.contains("downsample_layers.0.0.weight") { return .official }
        throw BackboneError("\(path): no ConvNeXt stem (stem.0.weight, features.0.0.weight or downsample_layers.0.0.weight); is this a timm, torchvision or facebookresearch ConvNeXt checkpoint? (`thaw weights inspect FILE` lists its keys)")
    }

    public var stemConv: String { switch self { case .timm: "stem.0"; case .torchvision: "features.0.0"; case .official: "downsample_layers.0.0" } }
    public var stemNorm: String { switch self { case .timm: "stem.1"; case .torchvision: "features.0.1"; case .official: "downsample_layers.0.1" } }

    /// Downsample of stage i ≥ 1: (LayerNorm, conv 2×2 s2).
    public func downsample(_ i: Int) -> (norm: String, conv: String) {
        switch self {
        case .timm: ("stages.\(i).downsample.0", "stages.\(i).downsample.1")
        case .torchvision: ("features.\(2 * i).0", "features.\(2 * i).1")
        case .official: ("downsample_layers.\(i).0", "downsample_layers.\(i).1")
        }
    }

    public func blockPrefix(stage i: Int, block j: Int) -> String {
        switch self {
        case .timm: "stages.\(i).blocks.\(j)."
        case .torchvision: "features.\(2 * i + 1).\(j)."
        case .official: "stages.\(i).\(j)."
        }
    }

    /// (depthwise, norm, fc1, fc2, layer scale) names inside a block.
    public var blockParts: (dw: String, norm: String, fc1: String, fc2: String, scale: String) {
        switch self {
        case .timm: ("conv_dw", "norm", "mlp.fc1", "mlp.fc2", "gamma")
        case .torchvision: ("block.0", "block.2", "block.3", "block.5", "layer_scale")
        case .official: ("dwconv", "norm", "pwconv1", "pwconv2", "gamma")
        }
    }

    public var headNorm: String { switch self { case .timm: "head.norm"; case .torchvision: "classifier.0"; case .official: "norm" } }
    public var classifier: String { switch self { case .timm: "head.fc"; case .torchvision: "classifier.2"; case .official: "head" } }
    /// Shape of a block's layer scale γ over `c` channels: torchvision keeps it as [C, 1, 1].
    public func layerScaleShape(channels c: Int) -> [Int] { self == .torchvision ? [c, 1, 1] : [c] }
}
