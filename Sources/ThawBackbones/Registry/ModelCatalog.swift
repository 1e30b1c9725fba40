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
    public var architecture: Architecture   // .efficientNetLite(variant: 0), .resNet(depth: 50), …
    public var input: ModelInput
    /// `ThawAssets.KnownAsset` name of the weights that install offline, if any.
    public var defaultWeightsAsset: String?
    /// One line for `thaw models`: where weights come from.
    public var weightsNote: String
    /// Builds the backbone from a weight file (`.pth`, `.pt`, `.safetensors`), strictly by name.
    public var load: @Sendable (_ weightsPath: String) throws -> any Backbone

    public var family: ModelFamily { architecture.family }

    public init(name: String, architecture: Architecture, input: ModelInput, defaultWeightsAsset: String?,
                weightsNote: String, load: @escaping @Sendable (_ weightsPath: String) throws -> any Backbone) {
        self.name = name; self.architecture = architecture; self.input = input
        self.defaultWeightsAsset = defaultWeightsAsset; self.weightsNote = weightsNote; self.load = load
    }
}

/// The model registry: every architecture Thaw knows, by name, and the only owner of family
/// knowledge — family, input preset, default taps (`DefaultTaps`), fine-tuning boundary
/// (`FineTuneBoundary.swift`), the fine-tuning plan for a cache (`FineTunePlan`) and tap names
/// (`TapName`). A new family adds its entries in `ModelCatalog+Entries.swift`.
public enum ModelCatalog {
    public static let all: [ModelEntry] = efficientNetLite + mobileNetV2 + resNet + bert + mpnet + ViT.catalogEntries + ConvNeXt.catalogEntries

    /// `thaw classify`'s and `thaw embed`'s defaults.
    public static let defaultImageModel = "efficientnet-lite0", defaultTextModel = "all-minilm-l6-v2"

    public static func named(_ name: String) throws -> ModelEntry {
        guard let entry = all.first(where: { $0.name == name.lowercased() }) else {
            throw BackboneError("unknown model '\(name)'; known: \(all.map(\.name).joined(separator: ", ")) (`thaw models` lists them)")
        }
        return entry
    }
}
