import ThawWeights

extension ViT {
    /// A named ViT: family choices, the width its name promises, and its evaluation preprocessing.
    struct Named {
        var name: String
        var variant: ViTVariant
        var width: Int
        var input: ModelInput
        var files: String
    }

    /// DINOv2 ViT-S/14 and ViT-B/14 (with or without registers: read from the weights), OpenAI CLIP
    /// ViT-B/16 (QuickGELU, as OpenAI and Hugging Face run it) and its GELU twin, DeiT-S/16. None install offline: users bring their timm / DINOv2 / Hugging Face file.
    static let named: [Named] = [
        Named(name: "dinov2-vits14", variant: .dinov2(heads: 6), width: 384,
              input: .image(preset: "imagenet-bicubic", resize: 256, size: 224),
              files: "timm vit_small_patch14_dinov2(.lvd142m) or _reg4_, DINOv2 hub dinov2_vits14(_reg), Hugging Face facebook/dinov2-small(-with-registers)"),
        Named(name: "dinov2-vitb14", variant: .dinov2(heads: 12), width: 768,
              input: .image(preset: "imagenet-bicubic", resize: 256, size: 224),
              files: "timm vit_base_patch14_dinov2(.lvd142m) or _reg4_, DINOv2 hub dinov2_vitb14(_reg), Hugging Face facebook/dinov2-base(-with-registers)"),
        Named(name: "clip-vitb16", variant: .clip(heads: 12), width: 768,
              input: .image(preset: "clip", resize: 224, size: 224),
              files: "timm vit_base_patch16_clip_224.openai, Hugging Face openai/clip-vit-base-patch16 (CLIPVisionModel[WithProjection] or the whole CLIPModel)"),
        // LAION / open_clip towers were trained with GELU; timm's `vit_base_patch16_clip_224` also runs GELU
        // for every tag (its `_quickgelu_` names run QuickGELU), so its outputs match this entry, not clip-vitb16.
        Named(name: "clip-vitb16-gelu", variant: { var v = ViTVariant.clip(heads: 12); v.activation = .gelu; return v }(), width: 768,
              input: .image(preset: "clip", resize: 224, size: 224),
              files: "GELU-trained CLIP towers: timm vit_base_patch16_clip_224.laion2b*, open_clip ViT-B-16 (LAION/DataComp) saved with timm or Hugging Face keys"),
        Named(name: "deit-s16", variant: .deit(heads: 6), width: 384,
              input: .image(preset: "imagenet-bicubic", resize: 256, size: 224),
              files: "timm deit_small_patch16_224 (its ImageNet classifier head is left out)"),
    ]

    public static var catalogEntries: [ModelEntry] {
        named.map { n in
            ModelEntry(name: n.name, architecture: .vit, input: n.input, defaultWeightsAsset: nil,
                       weightsNote: "bring your own .safetensors/.pth: \(n.files); pool = \(n.variant.pooling.rawValue)",
                       load: { path in try ViT.loadNamed(n, path: path) })
        }
    }

    /// The catalog's ViT `name` (e.g. "dinov2-vits14") from a weight file already open, checked as the
    /// catalog loads it (`ModelEntry.load`): one read of the file serves the model and its `topTensors(file:first:)`.
    public static func load(catalogName name: String, file: WeightFile) throws -> ViT {
        guard let n = named.first(where: { $0.name == name }) else {
            throw BackboneError("\(name) is not a vision transformer of the catalog (\(named.map(\.name).joined(separator: ", ")))")
        }
        return try loadNamed(n, file: file)
    }

    /// Loads `path` as the named model, refusing a file of another width (a ViT-B file under a
    /// ViT-S name would otherwise run with the wrong head size).
    static func loadNamed(_ n: Named, path: String) throws -> ViT {
        try loadNamed(n, file: try WeightFile.load(try WeightFolder.weightFile(path)))
    }

    static func loadNamed(_ n: Named, file: WeightFile) throws -> ViT {
        let path = file.path
        let model = try ViT.load(name: n.name, file: file, variant: n.variant)
        guard model.configuration.width == n.width else {
            let other = named.filter { $0.width == model.configuration.width }.map(\.name)
            throw BackboneError("\(path): a ViT of width \(model.configuration.width), but \(n.name) has width \(n.width); "
                                + (other.isEmpty ? "check the file" : "use --model \(other.joined(separator: " or "))"))
        }
        return model
    }
}
