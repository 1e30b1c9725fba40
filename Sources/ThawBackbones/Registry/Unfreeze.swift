/// `thaw finetune --unfreeze N`: the top N blocks train. The registry turns N into the `--from` tap
/// below them, per family: EfficientNet-Lite MBConv blocks (N = all of them: from the stem, raw images),
/// ResNet stages layer1…layer4 (N = 4: from the stem), ConvNeXt stages 0…3 (N = 4: from the stem), MobileNetV2 inverted
/// residuals features.1…17 (from `features.(17 − N)`; features.18 always trains), BERT and MPNet encoder layers (at most L − 1: training
/// starts from a cached `layer.K`).
extension ModelCatalog {
    /// The tap whose output the top `n` blocks of `backbone` take. `encoderLayers` gives a generic BERT's
    /// layer count (read from its weights). Throws, naming the limit, for n < 1 or more blocks than the model has.
    public static func fromTap(unfreezing n: Int, backbone: String, encoderLayers: Int? = nil) throws -> TapName {
        let entry = try named(backbone)
        func tooMany(_ count: Int, _ unit: String, _ extra: String = "") -> BackboneError {
            BackboneError("--unfreeze \(n): \(entry.name) has \(count) \(unit)\(extra). Fix: pass --unfreeze 1…\(count)")
        }
        switch entry.architecture {
        case .efficientNetLite(let v):
            let blocks = EfficientNetLiteSpec.blocks(variant: v).count
            guard (1...blocks).contains(n) else { throw tooMany(blocks, "MBConv blocks (blocks.0…blocks.\(blocks - 1))") }
            return n == blocks ? .stem : .blocks(blocks - n - 1)
        case .resNet:
            guard (1...4).contains(n) else { throw tooMany(4, "stages (layer1…layer4)") }
            return n == 4 ? .stem : .layer(4 - n)
        case .convNeXt:
            guard (1...4).contains(n) else { throw tooMany(4, "stages (stages.0…stages.3)") }
            return n == 4 ? .stem : .stages(3 - n)
        case .bert(let c), .mpnet(let c):
            guard let layers = c?.layers ?? encoderLayers else {
                throw BackboneError("--unfreeze \(n): the layer count of \(entry.name) is read from its weights; none were given. "
                                    + "Fix: pass --weights, or --from layer.K")
            }
            guard layers >= 2, (1...(layers - 1)).contains(n) else {
                throw tooMany(max(layers - 1, 0), "encoder layers that can train", " (of \(layers): training starts from a cached layer.K, "
                              + "so layer 0 stays frozen)")
            }
            return .encoderLayer(layers - n - 1)
        case .vit:
            guard let blocks = encoderLayers else {
                throw BackboneError("--unfreeze \(n): the block count of \(entry.name) is read from its weights; none were given. "
                                    + "Fix: pass --weights, or --from blocks.K")
            }
            guard (1...blocks).contains(n) else { throw tooMany(blocks, "blocks (blocks.0…blocks.\(blocks - 1))") }
            return n == blocks ? .embeddings : .blocks(blocks - n - 1)
        case .mobileNetV2:
            let blocks = MobileNetV2Spec.blocks.count
            guard (1...blocks).contains(n) else { throw tooMany(blocks, "inverted-residual blocks (features.1…features.\(blocks))") }
            return .features(blocks - n)
        }
    }
}
