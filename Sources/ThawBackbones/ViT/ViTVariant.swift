/// What a ViT checkpoint cannot say about itself: the family's choices. Sizes (width, depth, MLP,
/// patch, position grid, registers, projection) are read from the weights.
public struct ViTVariant: Sendable, Equatable {
    public var family: String             // "dinov2", "clip", "deit" (for messages and `thaw models`)
    /// Attention heads; nil reads `num_attention_heads` from a config.json beside the weights, else width/64.
    public var heads: Int?
    public var layerNormEps: Float
    public var activation: ViTActivation
    public var pooling: ViTPooling
    /// timm's `head` is CLIP's projection (`vit_base_patch16_clip_224.openai`); in other families
    /// it is an ImageNet classifier, which the backbone leaves out.
    public var headIsProjection: Bool

    public init(family: String, heads: Int?, layerNormEps: Float, activation: ViTActivation, pooling: ViTPooling,
                headIsProjection: Bool) {
        self.family = family; self.heads = heads; self.layerNormEps = layerNormEps
        self.activation = activation; self.pooling = pooling; self.headIsProjection = headIsProjection
    }

    /// DINOv2 (eps 1e-6, GELU, LayerScale from the weights): pool = class token ⊕ patch mean, as its linear evaluation.
    public static func dinov2(heads: Int?) -> ViTVariant {
        ViTVariant(family: "dinov2", heads: heads, layerNormEps: 1e-6, activation: .gelu, pooling: .classAndPatchMean, headIsProjection: false)
    }

    /// OpenAI CLIP's image tower (eps 1e-5, QuickGELU, ln_pre): pool = projection of the class token (`encode_image`).
    public static func clip(heads: Int?) -> ViTVariant {
        ViTVariant(family: "clip", heads: heads, layerNormEps: 1e-5, activation: .quickGELU, pooling: .classToken, headIsProjection: true)
    }

    /// DeiT (eps 1e-6, GELU): pool = class token.
    public static func deit(heads: Int?) -> ViTVariant {
        ViTVariant(family: "deit", heads: heads, layerNormEps: 1e-6, activation: .gelu, pooling: .classToken, headIsProjection: false)
    }
}
