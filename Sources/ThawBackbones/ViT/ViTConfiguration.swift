/// What the `pool` cut of a vision transformer returns (after the final norm).
public enum ViTPooling: String, Sendable, Codable {
    /// The class token [C] — DeiT's and CLIP's image feature (CLIP then applies its projection).
    case classToken = "class-token"
    /// The mean of the patch tokens [C] (register and class tokens left out) — timm's `global_pool="avg"`.
    case patchMean = "patch-mean"
    /// Class token ⊕ mean of the patch tokens [2C] — DINOv2's linear evaluation on the last block
    /// (`create_linear_input` with `use_avgpool`), and Hugging Face `Dinov2ForImageClassification`.
    case classAndPatchMean = "class-and-patch-mean"
}

/// The MLP's activation.
public enum ViTActivation: String, Sendable, Codable {
    /// erf GELU (DINOv2, DeiT, timm's default).
    case gelu
    /// x·σ(1.702x): OpenAI CLIP's (`quick_gelu`); its checkpoints are wrong with plain GELU.
    case quickGELU = "quick-gelu"
}

/// Sizes and choices of a ViT. Sizes are read from the weights (`ViTWeights`); heads, eps,
/// activation and pooling cannot be, and come from the catalog entry or config.json.
public struct ViTConfiguration: Sendable, Equatable {
    public var width: Int              // C (embed_dim, hidden_size)
    public var depth: Int              // blocks
    public var heads: Int
    public var mlpWidth: Int           // I (fc1 out)
    public var patch: Int              // p: patch_size, conv kernel = stride
    public var positionGrid: Int       // M: the checkpoint's position embeddings cover M×M patches
    public var registers: Int          // R: register tokens (DINOv2 with registers), 0 if none
    public var layerNormEps: Float
    public var activation: ViTActivation
    public var pooling: ViTPooling
    /// Output size of CLIP's projection applied to `pool`, nil without one.
    public var projection: Int?
    public var positionResample: PositionEmbeddingResample
    /// Classes of the classifier a fine-tuned export adds on `pool` (the `fc` cut point), nil without one.
    public var classes: Int? = nil

    /// Tokens in front of the patches: the class token and the registers.
    public var prefixTokens: Int { 1 + registers }
    /// Patch grid of an H×W input (floor, as the stride-p convolution).
    public func grid(height: Int, width w: Int) -> (rows: Int, columns: Int) { (height / patch, w / patch) }
    /// Tokens per image at H×W: 1 + R + (H/p)·(W/p).
    public func tokens(height: Int, width w: Int) -> Int { let g = grid(height: height, width: w); return prefixTokens + g.rows * g.columns }
    /// Length of the `pool` vector.
    public var poolWidth: Int { projection ?? (pooling == .classAndPatchMean ? 2 * width : width) }
}
