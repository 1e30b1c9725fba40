/// How `thaw finetune` trains a cache: which part of which architecture, from what.
/// Decided by the registry (`ModelCatalog.fineTunePlan`) from the cache's backbone, its taps and `--from`.
public struct FineTunePlan: Equatable, Sendable {
    public enum Source: String, Sendable {
        /// Training starts from the maps cached at `from`, or at a shallower cached tap (`cachedTap`)
        /// whose maps run forward only through the frozen blocks up to `from`; the layers below never run.
        case cachedMaps = "cached maps"
        /// No cached map lies at or below `from` (or `--raw` asked for augmentation): the images are
        /// re-read and run through the frozen part.
        case rawImages = "raw images"
        /// BERT: the hidden states cached at `from` (the mask re-tokenized from the data).
        case cachedHiddenStates = "cached hidden states"
    }

    /// What trains.
    public enum Trained: Equatable, Sendable {
        /// EfficientNet-Lite `variant`: blocks `start.firstTrainedBlock`…last (and the stem for `.input`), the head stage, the classifier.
        case efficientNetLite(variant: Int, start: RawStart)
        /// ResNet-`depth`: stages `stage`+1…4 (stage 0 = the stem's output), pooling, the classifier.
        case resNet(depth: Int, stage: Int)
        /// BERT or MPNet: encoder layers `layer`+1…L−1, mean pooling, the classifier.
        case bert(layer: Int)
        /// Vision transformer: blocks `firstBlock`…L−1 (0 from `embeddings`), the final norm, the family's pooling
        /// (CLIP's projection trains too) and the classifier, from cached `blocks.K` / `embeddings` tokens.
        case vit(firstBlock: Int)
        /// ConvNeXt: stages `firstStage`…3 (with the downsampling that starts each stage ≥ 1), global mean,
        /// the head LayerNorm and the classifier.
        case convNeXt(firstStage: Int)
        /// MobileNetV2: inverted residuals `features.(feature+1)`…`features.17`, `features.18`, pooling, the classifier
        /// (from raw images: the stem and features 1…`feature` run frozen on every chunk).
        case mobileNetV2(feature: Int)
    }

    public var source: Source
    public var trained: Trained
    /// The tap training starts from (`--from`, or the default the registry chose).
    public var from: TapName
    /// The cached tap whose rows are read: `from` itself, or a shallower cached tap whose maps (hidden
    /// states) run through the frozen blocks between it and `from`; nil for raw images.
    public var cachedTap: TapName?

    /// `cachedTap` nil means `from` for the cached sources.
    public init(source: Source, trained: Trained, from: TapName, cachedTap: TapName? = nil) {
        self.source = source; self.trained = trained; self.from = from
        self.cachedTap = source == .rawImages ? nil : (cachedTap ?? from)
    }

    /// True when blocks between `cachedTap` and `from` run frozen (forward only) on the cached rows.
    public var runsFrozenBlocks: Bool { cachedTap != nil && cachedTap != from }

    /// The blocks that run frozen between `cachedTap` and `from`, for messages: "12–13" (EfficientNet-Lite
    /// blocks, BERT layers), "layer3" or "layer2–layer3" (ResNet stages); nil when none run.
    public var frozenBlocksText: String? {
        guard runsFrozenBlocks, let cachedTap else { return nil }
        func span(_ a: String, _ b: String) -> String { a == b ? a : "\(a)–\(b)" }
        switch (cachedTap, from) {
        case (.blocks(let j), .blocks(let k)): return span("\(j + 1)", "\(k)")
        case (.stem, .blocks(let k)), (.embeddings, .blocks(let k)): return span("0", "\(k)")
        case (.encoderLayer(let j), .encoderLayer(let k)): return span("\(j + 1)", "\(k)")
        case (.features(let j), .features(let k)): return span("features.\(j + 1)", "features.\(k)")
        case (.stem, .layer(let k)): return span("layer1", "layer\(k)")
        case (.layer(let j), .layer(let k)): return span("layer\(j + 1)", "layer\(k)")
        case (.stem, .stages(let k)): return span("stages.0", "stages.\(k)")
        case (.stages(let j), .stages(let k)): return span("stages.\(j + 1)", "stages.\(k)")
        default: return "\(cachedTap)→\(from)"
        }
    }

    /// "starting from cached blocks.11, running 12–13 frozen" (nil when training starts at the cached tap itself).
    public var frozenBlocksNote: String? {
        guard let text = frozenBlocksText, let cachedTap else { return nil }
        return "starting from cached \(cachedTap), running \(text) frozen (forward only, no gradient)"
    }
}

extension ModelCatalog {
    /// Families `thaw finetune` trains, for error messages.
    public static let fineTunableFamilies = "efficientnet-lite0…4 (cached blocks.K maps, or raw images from input, stem or an "
        + "uncached blocks.K), resnet18…152 (cached stem or layer1…layer3 maps, with --weights), mobilenet-v2 (cached features.K maps, K = 0…17, or raw images below them), BERT and MPNet encoders (cached layer.K hidden states), "
        + "vision transformers (dinov2-*, clip-*, deit-*: cached embeddings or blocks.K tokens, with --weights), "
        + "convnext-tiny/small and convnext (cached stem or stages.0…stages.2 maps, with --weights)"

    /// The plan for fine-tuning a cache extracted with `backbone` holding `cachedTaps`, from `from`
    /// (nil: the architecture's boundary if cached, else the deepest cached tap training can start from).
    /// Throws, naming `cache` and the fix, for an unknown or untrainable family, a bad tap name, a tap
    /// no training starts from, and a cached-only start that is not cached.
    /// `raw` (EfficientNet-Lite and MobileNetV2) trains from the re-read images even when a cached map lies at or below `from`.
    public static func fineTunePlan(backbone: String, cachedTaps: [(name: String, shape: [Int])], from: String?,
                                    cache: String, raw: Bool = false) throws -> FineTunePlan {
        guard let entry = try? named(backbone), entry.architecture.isFineTunable else {
            throw BackboneError("\(cache): the cache was extracted with \"\(backbone)\"; fine-tuning supports \(fineTunableFamilies). "
                                + "Fix: extract with one of those, or train a head on this cache with `thaw fit`")
        }
        let listed = cachedTaps.map { "\($0.name) (\($0.shape))" }.joined(separator: ", ")
        let cached = Set(cachedTaps.compactMap { try? TapName(parsing: $0.name) })
        let tap: TapName
        if let from {
            tap = try TapName(parsing: from)
        } else {
            // A generic BERT's boundary depends on its layer count, unknown here: the deepest cached layer.K is taken.
            if let boundary = entry.architecture.fineTuneBoundary(), cached.contains(boundary) {
                tap = boundary
            } else if let deepest = cachedTaps.reversed().compactMap({ try? TapName(parsing: $0.name) })
                        .first(where: { cached.contains($0) && (try? plan(entry, tap: $0, cached: cached, listed: listed, cache: cache)) != nil }) {
                tap = deepest
            } else {
                throw BackboneError("\(cache): no cached tap fine-tuning of \(entry.name) can start from (cached taps: \(listed)). "
                                    + "Fix: pass --from (input trains from the raw images where the family allows it), or re-extract with "
                                    + "--tap \(entry.architecture.fineTuneBoundary()?.description ?? "layer.K")")
            }
        }
        return try plan(entry, tap: tap, cached: cached, listed: listed, cache: cache, raw: raw)
    }

    static func plan(_ entry: ModelEntry, tap: TapName, cached: Set<TapName>, listed: String, cache: String,
                     raw: Bool = false) throws -> FineTunePlan {
        /// The deepest cached tap at or below `tap` among `candidates` (ordered shallow → deep), if any.
        func deepestCached(_ candidates: [TapName]) -> TapName? { candidates.last { cached.contains($0) } }
        func notCached(_ starts: String) -> BackboneError {
            BackboneError("\(cache): neither tap \(tap) nor a tap below it that training can start from is cached; cached taps: \(listed). "
                          + "Fix: pass --from with a cached \(starts) tap, or re-extract with --tap \(tap)")
        }
        func rawRefused() -> BackboneError {
            BackboneError("--raw: fine-tuning from re-read raw images is for EfficientNet-Lite and MobileNetV2 caches; \(entry.name) trains "
                          + "from cached maps or hidden states. Fix: drop --raw")
        }
        func cannotStart(_ starts: String) -> BackboneError {
            BackboneError("--from \(tap): fine-tuning a \(entry.name) cache starts at \(starts). Cached taps: \(listed)")
        }
        switch entry.architecture {
        case .efficientNetLite(let v):
            let n = EfficientNetLiteSpec.blocks(variant: v).count
            guard let start = RawStart(tap) else { throw cannotStart("input, stem or blocks.K (K = 0…\(n - 1))") }
            if case .after(let k) = start, k >= n {
                throw BackboneError("\(tap) is past the last block of \(entry.name) (\(TapName.blocks(0))…\(TapName.blocks(n - 1))). "
                                    + "Fix: pass --from input, stem or blocks.K with K < \(n)")
            }
            // Cached maps at `tap`, or the deepest cached stem/blocks.J below it (blocks J+1…K then run frozen).
            if !raw, case .blocks(let k) = tap, let start0 = deepestCached([.stem] + (0...k).map { .blocks($0) }) {
                return FineTunePlan(source: .cachedMaps, trained: .efficientNetLite(variant: v, start: start), from: tap, cachedTap: start0)
            }
            return FineTunePlan(source: .rawImages, trained: .efficientNetLite(variant: v, start: start), from: tap)
        case .resNet(let depth):
            let stage: Int
            switch tap {
            case .stem: stage = 0
            case .layer(let k) where (1...3).contains(k): stage = k
            default: throw cannotStart("a block boundary named layerK (K = 1…3) or stem")
            }
            if raw { throw rawRefused() }
            guard let start0 = deepestCached([.stem] + (0..<stage).map { .layer($0 + 1) }) else {
                throw notCached("layerK (K = 1…3) or stem")
            }
            return FineTunePlan(source: .cachedMaps, trained: .resNet(depth: depth, stage: stage), from: tap, cachedTap: start0)
        case .bert, .mpnet:
            guard case .encoderLayer(let k) = tap else { throw cannotStart("a layer output named layer.K") }
            if raw { throw rawRefused() }
            guard let start0 = deepestCached((0...k).map { .encoderLayer($0) }) else { throw notCached("layer.K") }
            return FineTunePlan(source: .cachedHiddenStates, trained: .bert(layer: k), from: tap, cachedTap: start0)
        case .vit:
            let first: Int
            switch tap {
            case .embeddings: first = 0
            case .blocks(let k): first = k + 1
            default: throw cannotStart("embeddings or a block output named blocks.K (tokens)")
            }
            if raw { throw rawRefused() }
            guard let start0 = deepestCached([.embeddings] + (0..<first).map { .blocks($0) }) else { throw notCached("embeddings or blocks.K") }
            return FineTunePlan(source: .cachedMaps, trained: .vit(firstBlock: first), from: tap, cachedTap: start0)
        case .convNeXt:
            let first: Int
            switch tap {
            case .stem: first = 0
            case .stages(let k) where (0...2).contains(k): first = k + 1
            default: throw cannotStart("a stage boundary named stages.K (K = 0…2) or stem")
            }
            if raw { throw rawRefused() }
            guard let start0 = deepestCached([.stem] + (0..<first).map { .stages($0) }) else {
                throw notCached("stages.K (K = 0…2) or stem")
            }
            return FineTunePlan(source: .cachedMaps, trained: .convNeXt(firstStage: first), from: tap, cachedTap: start0)
        case .mobileNetV2:
            let last = MobileNetV2Spec.blocks.count      // features.17: only features.18 trains above it
            guard case .features(let k) = tap, (0...last).contains(k) else { throw cannotStart("a feature output named features.K (K = 0…\(last))") }
            // Cached maps at `tap` or below (features in between run frozen); else, or with --raw, the re-read images.
            if !raw, let start0 = deepestCached((0...k).map { .features($0) }) {
                return FineTunePlan(source: .cachedMaps, trained: .mobileNetV2(feature: k), from: tap, cachedTap: start0)
            }
            return FineTunePlan(source: .rawImages, trained: .mobileNetV2(feature: k), from: tap)
        }
    }
}
