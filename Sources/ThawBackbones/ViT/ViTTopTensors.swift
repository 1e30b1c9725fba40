import ThawWeights

/// The key names of one pre-norm block in a layout (without `.weight` / `.bias`); `qkv` is one fused
/// [3C, C] name (timm, DINOv2 repository) or three [C, C] names (Hugging Face).
struct ViTBlockKeys {
    var norm1: String, qkv: [String], out: String, layerScale1: String?
    var norm2: String, fc1: String, fc2: String, layerScale2: String?
}

/// One tensor as the checkpoint stores it: PyTorch order, its key after the layout's rules (the key
/// `FineTuneExport` writes back).
public struct ViTTensor: Sendable {
    public let key: String
    public let shape: [Int]
    public let values: [Float]
}

/// One block's tensors for training: the file's own keys and shapes, LayerScale kept apart (the
/// frozen forward folds it into the output projections; training needs γ as a parameter).
/// A bias the file lacks is a zero tensor under the name the loader would read.
public struct ViTBlockTensors: Sendable {
    public let index: Int
    public let norm1: (weight: ViTTensor, bias: ViTTensor)           // [C], [C]
    /// One fused (timm: [3C, C], [3C]; rows query, key, value) or three separate (q, k, v: [C, C], [C]).
    public let qkv: [(weight: ViTTensor, bias: ViTTensor)]
    public let out: (weight: ViTTensor, bias: ViTTensor)             // [C, C], [C]
    public let layerScale1: ViTTensor?                               // [C]
    public let norm2: (weight: ViTTensor, bias: ViTTensor)
    public let fc1: (weight: ViTTensor, bias: ViTTensor)             // [I, C], [I]
    public let fc2: (weight: ViTTensor, bias: ViTTensor)             // [C, I], [C]
    public let layerScale2: ViTTensor?
}

/// The top of a ViT that fine-tuning trains: blocks `first`…L−1, the final norm and CLIP's projection.
public struct ViTTopTensors: Sendable {
    public let blocks: [ViTBlockTensors]
    public let finalNorm: (weight: ViTTensor, bias: ViTTensor)
    /// CLIP's projection [P, C] (timm `head`, Hugging Face `visual_projection`) and its bias when the file has one.
    public let projection: (weight: ViTTensor, bias: ViTTensor?)?
    /// Prefixes the layout's rules strip from the file's keys (DataParallel `module.`, `dinov2.`, …).
    public let strippedPrefixes: [String]
}

extension ViT {
    /// Key prefix of the classifier a fine-tuned export adds (`fc.weight` [K, poolWidth], `fc.bias` [K]): the
    /// `fc` cut point. No ViT layout uses `fc.` (timm's `head`, Hugging Face's `classifier` are other names).
    public static let classifierKey = "fc"

    /// Reads blocks `first`…depth−1 (none for `first` = depth), the final norm and the projection of this model's weight file `path` (the
    /// file it was loaded from) in its key layout, unfolded. Throws naming the key that is missing or misshapen.
    public func topTensors(path: String, first: Int) throws -> ViTTopTensors {
        try topTensors(file: try WeightFile.load(try WeightFolder.weightFile(path)), first: first)
    }

    /// `topTensors(path:first:)` from the weight file already open that this model was loaded from.
    public func topTensors(file: WeightFile, first: Int) throws -> ViTTopTensors {
        let cfg = configuration, c = cfg.width, i = cfg.mlpWidth
        precondition((0...cfg.depth).contains(first), "ViT.topTensors: block \(first) is not in 0...\(cfg.depth) (depth: no block)")
        let store = try ParameterStore(file, rules: keyLayout.rules)
        func take(_ key: String, _ shape: [Int]) throws -> ViTTensor {
            ViTTensor(key: key, shape: shape, values: try store.take(key, shape: shape))
        }
        func pair(_ prefix: String, _ shape: [Int]) throws -> (weight: ViTTensor, bias: ViTTensor) {
            let out = shape[0], bias = prefix + ".bias"
            return (try take(prefix + ".weight", shape),
                    store.contains(bias) ? try take(bias, [out]) : ViTTensor(key: bias, shape: [out], values: [Float](repeating: 0, count: out)))
        }
        let blocks = try (first..<cfg.depth).map { n -> ViTBlockTensors in
            let k = keyLayout.blockKeys(n, has: store.contains)
            let fused = k.qkv.count == 1
            return ViTBlockTensors(
                index: n, norm1: try pair(k.norm1, [c]),
                qkv: try k.qkv.map { try pair($0, fused ? [3 * c, c] : [c, c]) },
                out: try pair(k.out, [c, c]), layerScale1: try k.layerScale1.map { try take($0, [c]) },
                norm2: try pair(k.norm2, [c]), fc1: try pair(k.fc1, [i, c]), fc2: try pair(k.fc2, [c, i]),
                layerScale2: try k.layerScale2.map { try take($0, [c]) })
        }
        var projection: (weight: ViTTensor, bias: ViTTensor?)? = nil
        if let p = cfg.projection, let key = keyLayout.projectionKey {
            projection = (try take(key + ".weight", [p, c]), store.contains(key + ".bias") ? try take(key + ".bias", [p]) : nil)
        }
        let prefixes = keyLayout.rules.compactMap { rule -> String? in if case .stripPrefix(let p) = rule { return p } else { return nil } }
        return ViTTopTensors(blocks: blocks, finalNorm: try pair(keyLayout.finalNormKey, [c]), projection: projection,
                             strippedPrefixes: prefixes)
    }
}
