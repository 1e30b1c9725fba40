extension ConvNeXt {
    /// Blocks per stage of each named ConvNeXt (widths 96-192-384-768 for both).
    static let variants: [(name: String, depths: [Int])] = [("convnext-tiny", [3, 3, 9, 3]), ("convnext-small", [3, 3, 27, 3])]
    static let standardWidths = [96, 192, 384, 768]

    /// ConvNeXt-T/S: timm's evaluation preprocessing (bicubic, resize 256 → crop 224, ImageNet mean/std;
    /// torchvision evaluates its own weights at resize 236 (T) / 230 (S), bilinear). No weights install offline.
    /// `convnext` takes any four-stage ConvNeXt (timm's atto…nano, B, L: depths and widths read from the file).
    public static var catalogEntries: [ModelEntry] {
        let named = variants.map { v in
            ModelEntry(name: v.name, architecture: .convNeXt, input: .image(preset: "imagenet-bicubic", resize: 256, size: 224),
                       defaultWeightsAsset: nil,
                       weightsNote: "bring your own .safetensors/.pth: timm \(v.name.replacingOccurrences(of: "-", with: "_")), torchvision \(v.name.replacingOccurrences(of: "-", with: "_")) or facebookresearch/ConvNeXt keys",
                       load: { path in try ConvNeXt.loadNamed(v.name, depths: v.depths, path: path) })
        }
        let generic = ModelEntry(name: ModelFamily.convNeXt.rawValue, architecture: .convNeXt,
                                 input: .image(preset: "imagenet-bicubic", resize: 256, size: 224), defaultWeightsAsset: nil,
                                 weightsNote: "any four-stage ConvNeXt .safetensors/.pth (timm, torchvision or facebookresearch keys); depths and widths read from the weights",
                                 load: { path in try ConvNeXt(name: ModelFamily.convNeXt.rawValue, path: path) })
        return named + [generic]
    }

    /// Loads `path`, refusing a file whose stage depths or widths are not the named model's.
    static func loadNamed(_ name: String, depths: [Int], path: String) throws -> ConvNeXt {
        let model = try ConvNeXt(name: name, path: path)
        guard model.depths == depths, model.widths == standardWidths else {
            let other = variants.first { $0.depths == model.depths && model.widths == standardWidths }?.name
            throw BackboneError("\(path): a ConvNeXt with depths \(model.depths) and widths \(model.widths), but \(name) has \(depths) and \(standardWidths)"
                                + (other.map { "; use --model \($0)" } ?? ""))
        }
        return model
    }
}
