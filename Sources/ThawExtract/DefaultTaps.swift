import ThawBackbones

/// The taps stored when none are named: the pooled vector plus the input map of the last few
/// blocks (the fine-tuning boundary).
public enum DefaultTaps {
    /// Boundary cut per family, by name prefix: EfficientNet-Lite `blocks.11` (input of blocks
    /// 12–15), ResNet `layer3` (input of layer4), MobileNetV2 `features.14` (input of features
    /// 15–18, 7×7×160 at 224: a quarter of the multiply-adds), BERT-style encoders `layer.4`
    /// (input of the last two of six layers).
    public static let boundaries: [(prefix: String, cut: String)] = [
        ("efficientnet-lite", "blocks.11"), ("resnet", "layer3"), ("mobilenet-v2", "features.14"),
        ("all-minilm", "layer.4"), ("bert", "layer.4"),
    ]

    /// Text for `--help`.
    public static let help = "pool, plus the map at the fine-tuning boundary: efficientnet-lite* blocks.11, resnet* layer3, mobilenet-v2 features.14, all-minilm-l6-v2 layer.4"

    /// Default taps of `backbone`, in cut-point order; only names it has.
    public static func of(_ backbone: any Backbone) -> [String] {
        let names = backbone.cutPoints.map(\.name)
        var taps: [String] = []
        if let b = boundaries.first(where: { backbone.name.hasPrefix($0.prefix) }), names.contains(b.cut) { taps.append(b.cut) }
        if names.contains("pool") { taps.append("pool") } else if taps.isEmpty, let last = names.last { taps.append(last) }
        return taps
    }
}
