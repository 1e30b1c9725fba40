/// The default fine-tuning boundary of each architecture: the cut whose output the trained part
/// takes. `thaw extract` stores it by default next to `pool`, and `thaw finetune` starts there when
/// `--from` is not given.
///
/// The rule: train about the top quarter of the network. For a stack of n blocks (EfficientNet-Lite's
/// MBConv blocks, BERT's encoder layers) the top ⌊n/4⌋ (at least 1) train: Lite0 (16 blocks)
/// `blocks.11`, Lite1/2 (21) `blocks.15`, Lite3 (24) `blocks.17`, Lite4 (30) `blocks.22`; MiniLM-L6
/// `layer.4`, a 12-layer BERT `layer.8`. ResNet fine-tunes from stage boundaries only: `layer3`
/// (layer4 trains). MobileNetV2: `features.14` (features 15–18, a quarter of the multiply-adds).
/// ConvNeXt fine-tunes from stage boundaries too: `stages.2` (stage 3 — its downsampling and blocks — and
/// the head train: 3 of ConvNeXt-T's 18 blocks, a sixth of the multiply-adds but half the weights).
extension Architecture {
    /// The boundary of this architecture; for a BERT or a ViT read from the weights, pass `encoderLayers`
    /// (its layers or blocks; nil then means unknown: nil is returned).
    public func fineTuneBoundary(encoderLayers: Int? = nil) -> TapName? {
        switch self {
        case .efficientNetLite(let v): return .blocks(Self.topQuarterBoundary(blocks: EfficientNetLiteSpec.blocks(variant: v).count))
        case .resNet: return .layer(3)
        case .mobileNetV2: return .features(14)
        case .bert(let c), .mpnet(let c):
            guard let layers = c?.layers ?? encoderLayers, layers >= 2 else { return nil }
            return .encoderLayer(Self.topQuarterBoundary(blocks: layers))
        case .vit:
            guard let blocks = encoderLayers, blocks >= 2 else { return nil }
            return .blocks(Self.topQuarterBoundary(blocks: blocks))
        case .convNeXt: return .stages(2)
        }
    }

    /// The last frozen block of n when the top ⌊n/4⌋ (at least one) train.
    public static func topQuarterBoundary(blocks n: Int) -> Int {
        precondition(n >= 2, "topQuarterBoundary: needs at least 2 blocks, got \(n)")
        return n - max(1, n / 4) - 1
    }

    /// For `thaw models` and the docs: the boundary and what trains above it.
    public var fineTuneBoundaryText: String {
        switch self {
        case .efficientNetLite(let v):
            let n = EfficientNetLiteSpec.blocks(variant: v).count, k = Self.topQuarterBoundary(blocks: n)
            return "\(TapName.blocks(k)): blocks \(k + 1)–\(n - 1) of 0–\(n - 1) + head stage train"
        case .resNet: return "layer3: layer4 trains"
        case .mobileNetV2: return "features.14: features 15–17 + features.18 train"
        case .bert(let c), .mpnet(let c):
            guard let c else { return "layer.(L − ⌊L/4⌋ − 1) for L encoder layers (layer.8 for 12): the top quarter trains" }
            let k = Self.topQuarterBoundary(blocks: c.layers), top = c.layers - 1
            return "\(TapName.encoderLayer(k)): " + (k + 1 == top ? "layer \(top)" : "layers \(k + 1)–\(top)") + " of 0–\(top) " + (k + 1 == top ? "trains" : "train")
        case .vit: return "blocks.(L − ⌊L/4⌋ − 1) for L blocks (blocks.8 for 12): blocks above it, the final norm and pooling train"
        case .convNeXt: return "stages.2: stage 3 (downsampling + blocks) and the head norm train"
        }
    }
}
