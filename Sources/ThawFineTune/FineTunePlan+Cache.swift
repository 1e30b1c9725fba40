import ThawBackbones
import ThawStore

extension FineTunePlan {
    /// The registry's plan for the open cache `reader`, from `from` (nil: the registry's default).
    /// Reads nothing but the manifest already in `reader`. `raw`: train from the re-read images (EfficientNet-Lite).
    public init(cache reader: CacheReader, from: String?, raw: Bool = false) throws {
        do {
            self = try ModelCatalog.fineTunePlan(backbone: reader.manifest.backbone,
                                                 cachedTaps: reader.manifest.taps.map { ($0.name, $0.shape) },
                                                 from: from, cache: reader.path, raw: raw)
        } catch let e as BackboneError {
            throw FineTuneError(e.description)
        }
    }
}
