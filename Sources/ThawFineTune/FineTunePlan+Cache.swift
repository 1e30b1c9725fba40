import ThawBackbones
import ThawStore

extension FineTunePlan {
    /// The registry's plan for the open cache `reader`, from `from` (nil: the registry's default).
    /// Reads nothing but the manifest already in `reader`.
    public init(cache reader: CacheReader, from: String?) throws {
        do {
            self = try ModelCatalog.fineTunePlan(backbone: reader.manifest.backbone,
                                                 cachedTaps: reader.manifest.taps.map { ($0.name, $0.shape) },
                                                 from: from, cache: reader.path)
        } catch let e as BackboneError {
            throw FineTuneError(e.description)
        }
    }
}
