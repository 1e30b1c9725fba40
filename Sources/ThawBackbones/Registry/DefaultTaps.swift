/// The taps stored when none are named: the pooled vector plus the map at the architecture's
/// fine-tuning boundary (`Architecture.fineTuneBoundary`: about the top quarter of the network trains).
public enum DefaultTaps {
    /// Text for `--help`, from the registry.
    public static var help: String {
        let boundaries = ModelCatalog.all.compactMap { e in e.architecture.fineTuneBoundary().map { "\(e.name) \($0)" } }
        return "pool, plus the map at the fine-tuning boundary (the top quarter of the network trains above it): "
            + boundaries.joined(separator: ", ") + ", bert (L layers) layer.(L − ⌊L/4⌋ − 1)"
    }

    /// Default taps of `backbone`, in cut-point order; only names it has.
    public static func of(_ backbone: any Backbone) -> [String] {
        let names = backbone.cutPoints.map(\.name)
        var taps: [String] = []
        // BERT's layers or a ViT's blocks (both read from the weights); other families' boundaries do not need the count.
        let layers = names.filter {
            switch try? TapName(parsing: $0) { case .encoderLayer?, .blocks?: return true; default: return false }
        }.count
        if let b = (try? ModelCatalog.named(backbone.name))?.architecture.fineTuneBoundary(encoderLayers: layers)?.description,
           names.contains(b) {
            taps.append(b)
        }
        if names.contains(TapName.pool.description) { taps.append(TapName.pool.description) } else if taps.isEmpty, let last = names.last { taps.append(last) }
        return taps
    }
}
