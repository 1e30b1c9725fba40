/// What a backbone eats.
public enum ModelInput: Sendable, Equatable {
    /// Images preprocessed by the named preset (`ThawInputs.Preprocessing`) to size×size.
    case image(preset: String, resize: Int, size: Int)
    /// Text tokenized by the WordPiece vocabulary beside the weights, truncated to maxLength.
    case text(maxLength: Int)
}

/// One architecture Thaw can build, and where its weights come from.
public struct ModelEntry: Sendable {
    public var name: String                 // "efficientnet-lite0", "resnet50", "all-minilm-l6-v2"
    public var family: String               // "efficientnet-lite", "resnet", "bert"
    public var input: ModelInput
    /// `ThawAssets.KnownAsset` name of the weights that install offline, if any.
    public var defaultWeightsAsset: String?
    /// One line for `thaw models`: where weights come from.
    public var weightsNote: String
    /// Builds the backbone from a weight file (`.pth`, `.pt`, `.safetensors`), strictly by name.
    public var load: @Sendable (_ weightsPath: String) throws -> any Backbone

    public init(name: String, family: String, input: ModelInput, defaultWeightsAsset: String?,
                weightsNote: String, load: @escaping @Sendable (_ weightsPath: String) throws -> any Backbone) {
        self.name = name; self.family = family; self.input = input
        self.defaultWeightsAsset = defaultWeightsAsset; self.weightsNote = weightsNote; self.load = load
    }
}

/// Every architecture Thaw knows, by name. Each family file contributes its `catalogEntries`.
public enum ModelCatalog {
    public static var all: [ModelEntry] {
        var entries: [ModelEntry] = []
        // Family files add their entries here, one line each.
        entries += EfficientNetLite.catalogEntries
        entries += MobileNetV2.catalogEntries
        entries += ResNet.catalogEntries + BertBackbone.catalogEntries
        entries += ViT.catalogEntries + ConvNeXt.catalogEntries
        return entries
    }

    public static func named(_ name: String) throws -> ModelEntry {
        guard let entry = all.first(where: { $0.name == name.lowercased() }) else {
            throw BackboneError("unknown model '\(name)'; known: \(all.map(\.name).joined(separator: ", ")) (`thaw models` lists them)")
        }
        return entry
    }
}
