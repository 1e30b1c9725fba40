import ThawKernels
import ThawWeights

/// The key conventions of ViT checkpoints Thaw reads, recognised from the keys themselves.
///
/// | layout | class token | blocks | final norm | registers / projection |
/// |---|---|---|---|---|
/// | timm (`vit_small_patch14_dinov2`, `vit_base_patch16_clip_224`, `deit_small_patch16_224`) | `cls_token` [1,1,C] | `blocks.N.{norm1, attn.qkv, attn.proj, ls1.gamma, norm2, mlp.fc1, mlp.fc2, ls2.gamma}` | `norm` | `reg_token`, `norm_pre`; CLIP's `head` = projection |
/// | DINOv2 repository (torch.hub) | `cls_token`, `mask_token` | as timm | `norm` | `register_tokens` |
/// | Hugging Face `Dinov2Model` (+ `Dinov2WithRegistersModel`) | `embeddings.cls_token` | `encoder.layer.N.{norm1, attention.attention.{query,key,value}, attention.output.dense, layer_scale1.lambda1, norm2, mlp.fc1, mlp.fc2, layer_scale2.lambda1}` | `layernorm` | `embeddings.register_tokens` |
/// | Hugging Face `CLIPVisionModel` (+ `…WithProjection`, or a whole `CLIPModel`) | `vision_model.embeddings.class_embedding` [C] | `vision_model.encoder.layers.N.{layer_norm1, self_attn.{q,k,v,out}_proj, layer_norm2, mlp.fc1, mlp.fc2}` | `vision_model.post_layernorm` | `vision_model.pre_layrnorm`; `visual_projection` |
public enum ViTKeyLayout: String, Sendable {
    case timm
    case dinov2Repository = "dinov2-repository"
    case huggingFaceDinov2 = "hf-dinov2"
    case huggingFaceCLIP = "hf-clip"

    /// Key rules applied before reading (wrappers, model-class prefixes, buffers and unused parts).
    var rules: [KeyRule] {
        let wrappers = KeyRule.dataParallel + KeyRule.checkpointWrappers
        switch self {
        case .timm: return wrappers
        case .dinov2Repository: return wrappers + [.ignore("mask_token")]
        case .huggingFaceDinov2:
            // Dinov2ForImageClassification / Dinov2WithRegistersModel prefixes; the mask token is
            // for masked training only.
            // Dinov2ForImageClassification's linear head is not part of the backbone.
            return wrappers + [.stripPrefix("dinov2_with_registers."), .stripPrefix("dinov2."), .ignore("embeddings.mask_token"),
                               .ignore("classifier.weight"), .ignore("classifier.bias")]
        case .huggingFaceCLIP:
            // A whole CLIPModel file also holds the text tower and the temperature.
            return wrappers + [.ignore("vision_model.embeddings.position_ids"), .ignore("text_model.*"),
                               .ignore("text_projection.weight"), .ignore("logit_scale")]
        }
    }

    /// The layout of `store`'s keys (read before any rule but the wrappers), or an error saying what was found.
    static func detect(_ file: WeightFile) throws -> ViTKeyLayout {
        let store = try ParameterStore(file, rules: KeyRule.dataParallel + KeyRule.checkpointWrappers)
        let names = Set(store.names)
        if names.contains("vision_model.embeddings.class_embedding") { return .huggingFaceCLIP }
        if names.contains(where: { $0.hasSuffix("embeddings.cls_token") }) { return .huggingFaceDinov2 }
        if names.contains("cls_token") { return names.contains("mask_token") ? .dinov2Repository : .timm }
        throw BackboneError("\(file.path): no ViT class token (cls_token, embeddings.cls_token or vision_model.embeddings.class_embedding) among \(names.count) keys; is this a timm, DINOv2 or Hugging Face ViT checkpoint? (`thaw weights inspect FILE` lists its keys)")
    }

    /// Position-embedding resampling of this layout (see `PositionEmbeddingResample`).
    func positionResample(registers: Int) -> PositionEmbeddingResample {
        switch self {
        case .timm: return .timm
        case .dinov2Repository: return .dinov2Repository
        case .huggingFaceDinov2: return registers > 0 ? .timm : .plainBicubic   // Dinov2WithRegisters antialiases
        case .huggingFaceCLIP: return .plainBicubic
        }
    }

    // MARK: - Names

    var classTokenKey: String {
        switch self {
        case .timm, .dinov2Repository: return "cls_token"
        case .huggingFaceDinov2: return "embeddings.cls_token"
        case .huggingFaceCLIP: return "vision_model.embeddings.class_embedding"
        }
    }
    var positionKey: String {
        switch self {
        case .timm, .dinov2Repository: return "pos_embed"
        case .huggingFaceDinov2: return "embeddings.position_embeddings"
        case .huggingFaceCLIP: return "vision_model.embeddings.position_embedding.weight"
        }
    }
    var registerKey: String {
        switch self {
        case .timm: return "reg_token"
        case .dinov2Repository: return "register_tokens"
        case .huggingFaceDinov2: return "embeddings.register_tokens"
        case .huggingFaceCLIP: return "vision_model.embeddings.register_tokens"   // none exist; never present
        }
    }
    var patchKey: String {
        switch self {
        case .timm, .dinov2Repository: return "patch_embed.proj"
        case .huggingFaceDinov2: return "embeddings.patch_embeddings.projection"
        case .huggingFaceCLIP: return "vision_model.embeddings.patch_embedding"
        }
    }
    var preNormKey: String? {
        switch self {
        case .timm: return "norm_pre"
        case .dinov2Repository, .huggingFaceDinov2: return nil
        case .huggingFaceCLIP: return "vision_model.pre_layrnorm"   // sic: Hugging Face's spelling
        }
    }
    var finalNormKey: String {
        switch self {
        case .timm, .dinov2Repository: return "norm"
        case .huggingFaceDinov2: return "layernorm"
        case .huggingFaceCLIP: return "vision_model.post_layernorm"
        }
    }
    /// Block n's prefix and the fc1 weight name used to read the MLP width.
    func blockPrefix(_ n: Int) -> String {
        switch self {
        case .timm, .dinov2Repository: return "blocks.\(n)."
        case .huggingFaceDinov2: return "encoder.layer.\(n)."
        case .huggingFaceCLIP: return "vision_model.encoder.layers.\(n)."
        }
    }
    /// Leading path of block keys, for counting the blocks.
    var blockPath: [String] {
        switch self {
        case .timm, .dinov2Repository: return ["blocks"]
        case .huggingFaceDinov2: return ["encoder", "layer"]
        case .huggingFaceCLIP: return ["vision_model", "encoder", "layers"]
        }
    }

    /// The key names of block n (optional LayerScale names only when `has` finds them).
    func blockKeys(_ n: Int, has: (String) -> Bool) -> ViTBlockKeys {
        let p = blockPrefix(n)
        func optional(_ key: String) -> String? { has(p + key) ? p + key : nil }
        switch self {
        case .timm, .dinov2Repository:
            return ViTBlockKeys(norm1: p + "norm1", qkv: [p + "attn.qkv"], out: p + "attn.proj", layerScale1: optional("ls1.gamma"),
                                norm2: p + "norm2", fc1: p + "mlp.fc1", fc2: p + "mlp.fc2", layerScale2: optional("ls2.gamma"))
        case .huggingFaceDinov2:
            let a = p + "attention.attention."
            return ViTBlockKeys(norm1: p + "norm1", qkv: [a + "query", a + "key", a + "value"], out: p + "attention.output.dense",
                                layerScale1: optional("layer_scale1.lambda1"), norm2: p + "norm2", fc1: p + "mlp.fc1",
                                fc2: p + "mlp.fc2", layerScale2: optional("layer_scale2.lambda1"))
        case .huggingFaceCLIP:
            let a = p + "self_attn."
            return ViTBlockKeys(norm1: p + "layer_norm1", qkv: [a + "q_proj", a + "k_proj", a + "v_proj"], out: a + "out_proj",
                                layerScale1: nil, norm2: p + "layer_norm2", fc1: p + "mlp.fc1", fc2: p + "mlp.fc2", layerScale2: nil)
        }
    }

    func readBlock(_ n: Int, _ r: ViTBlockReader) throws -> ViTBlockWeights {
        let k = blockKeys(n, has: r.has)
        return try r.block(norm1: k.norm1, qkv: k.qkv, out: k.out, layerScale1: k.layerScale1, norm2: k.norm2,
                           fc1: k.fc1, fc2: k.fc2, layerScale2: k.layerScale2)
    }

    /// CLIP's projection [P, C]: timm's `head` (with a zero bias), Hugging Face's `visual_projection`.
    var projectionKey: String? {
        switch self {
        case .timm: return "head"
        case .huggingFaceCLIP: return "visual_projection"
        case .dinov2Repository, .huggingFaceDinov2: return nil
        }
    }
}
