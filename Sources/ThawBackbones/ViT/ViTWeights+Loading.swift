import Foundation
import ThawKernels
import ThawWeights

extension ViTWeights {
    /// Reads a ViT checkpoint (`.safetensors`, `.pth`, `.bin`) in any `ViTKeyLayout`, strictly:
    /// every tensor must be used (a timm classifier `head` outside CLIP is skipped on purpose) and
    /// have the shape the sizes imply. Sizes come from the tensors; heads from `variant` (nil: a Hugging
    /// Face config.json beside the weights, else width/64); eps and activation from `variant` unless that
    /// config.json names them (`layer_norm_eps`, `hidden_act`; CLIP's under `vision_config`).
    static func load(_ path: String, variant: ViTVariant) throws -> (ViTConfiguration, ViTWeights, ViTKeyLayout) {
        try load(try WeightFile.load(path), variant: variant)
    }

    /// `load(_:variant:)` on a file already open (`file.path` names it and its folder holds any config.json).
    static func load(_ file: WeightFile, variant: ViTVariant) throws -> (ViTConfiguration, ViTWeights, ViTKeyLayout) {
        let path = file.path
        let layout = try ViTKeyLayout.detect(file)
        let store = try ParameterStore(file, rules: layout.rules)
        func shape(_ key: String) throws -> [Int] {
            guard let s = store.shape(of: key) else {
                throw BackboneError("\(path): no tensor '\(key)' in this \(layout.rawValue) ViT checkpoint; `thaw weights inspect FILE` lists its keys")
            }
            return s
        }
        let cls = try shape(layout.classTokenKey)
        guard let c = cls.last, c > 0, cls.reduce(1, *) == c else {
            throw BackboneError("\(path): class token \(layout.classTokenKey) has shape \(cls), expected [1, 1, C] or [C]")
        }
        let patchShape = try shape(layout.patchKey + ".weight")
        guard patchShape.count == 4, patchShape[0] == c, patchShape[1] == 3, patchShape[2] == patchShape[3], patchShape[2] > 0 else {
            throw BackboneError("\(path): patch embedding \(layout.patchKey).weight has shape \(patchShape), expected [\(c), 3, p, p]")
        }
        let p = patchShape[2]
        let positionShape = try shape(layout.positionKey)
        let positions = positionShape.dropLast().reduce(1, *)
        guard positionShape.last == c else {
            throw BackboneError("\(path): position embedding \(layout.positionKey) has shape \(positionShape), expected […, \(c)]")
        }
        // P = 1 + M² with a class entry; timm's no_embed_class models (registers) store P = M².
        let classEntry: Bool
        if positions > 1, Self.squareSide(positions - 1) != nil {
            classEntry = true
        } else if layout == .timm, Self.squareSide(positions) != nil {
            classEntry = false
        } else {
            throw BackboneError("\(path): \(positions) position embeddings are neither 1 + M² nor (timm) M²; cannot tell the patch grid")
        }
        let m = Self.squareSide(positions - (classEntry ? 1 : 0))!
        let registers = try store.contains(layout.registerKey) ? {
            let s = try shape(layout.registerKey)
            guard s.count == 3, s[0] == 1, s[2] == c else {
                throw BackboneError("\(path): register tokens \(layout.registerKey) have shape \(s), expected [1, R, \(c)]")
            }
            return s[1]
        }() : 0
        let depth = try Self.blockCount(store, layout: layout, path: path)
        let fc1 = try shape(layout.blockPrefix(0) + "mlp.fc1.weight")
        guard fc1.count == 2, fc1[1] == c else {
            throw BackboneError("\(path): \(layout.blockPrefix(0))mlp.fc1.weight has shape \(fc1), expected [I, \(c)]")
        }
        // Hugging Face config.json beside the weights, when present, names heads, eps and activation.
        let json = try Self.configJSON(beside: path)
        let heads = variant.heads ?? (json?["num_attention_heads"] as? Int) ?? max(1, c / 64)
        var eps = variant.layerNormEps, activation = variant.activation
        if let e = json?["layer_norm_eps"] as? Double { eps = Float(e) }
        if let act = json?["hidden_act"] as? String {
            switch act {
            case "quick_gelu": activation = .quickGELU
            case "gelu": activation = .gelu
            default: throw BackboneError("\(path): config.json names hidden_act '\(act)'; Thaw's ViT runs gelu and quick_gelu only")
            }
        }
        guard heads > 0, c % heads == 0 else {
            throw BackboneError("\(path): \(heads) attention heads do not divide the width \(c); pass the model's head count (config.json num_attention_heads)")
        }
        // Projection (CLIP) or a classifier head to leave out.
        var projectionKey: String? = nil
        if let key = layout.projectionKey, store.contains(key + ".weight") {
            if variant.headIsProjection || layout == .huggingFaceCLIP { projectionKey = key } else { store.skip(key + ".weight"); store.skip(key + ".bias") }
        }
        let projectionWidth = try projectionKey.map { key -> Int in
            let s = try shape(key + ".weight")
            guard s.count == 2, s[1] == c else { throw BackboneError("\(path): \(key).weight has shape \(s), expected [P, \(c)]") }
            return s[0]
        }
        if projectionWidth != nil && variant.pooling != .classToken {
            throw BackboneError("\(path): a projection applies to the class token, but this model pools \(variant.pooling.rawValue)")
        }
        var cfg = ViTConfiguration(width: c, depth: depth, heads: heads, mlpWidth: fc1[0], patch: p, positionGrid: m,
                                   registers: registers, layerNormEps: eps, activation: activation, pooling: variant.pooling,
                                   projection: projectionWidth, positionResample: layout.positionResample(registers: registers))

        // A fine-tuned export's classifier on the pool vector (`fc`).
        let fcKey = ViT.classifierKey
        if store.contains(fcKey + ".weight") {
            let s = try shape(fcKey + ".weight")
            guard s.count == 2, s[0] >= 1, s[1] == cfg.poolWidth else {
                throw BackboneError("\(path): \(fcKey).weight has shape \(s), expected [K, \(cfg.poolWidth)] (a classifier on the pool vector)")
            }
            cfg.classes = s[0]
        }
        let reader = ViTBlockReader(take: { try store.take($0, shape: $1) }, has: { store.contains($0) }, c: c, mlp: fc1[0], heads: heads)
        let patchWeight = try store.take(layout.patchKey + ".weight", shape: patchShape)
        let patchBias = store.contains(layout.patchKey + ".bias") ? try store.take(layout.patchKey + ".bias", shape: [c]) : nil
        var classToken = try store.take(layout.classTokenKey, shape: cls)
        let allPositions = try store.take(layout.positionKey, shape: positionShape)
        if classEntry { for i in 0..<c { classToken[i] += allPositions[i] } }
        let weights = ViTWeights(
            patchEmbedding: Conv2D(shape: Conv2DShape(inChannels: 3, outChannels: c, kernel: p, stride: p), oihw: patchWeight, bias: patchBias),
            classToken: classToken,
            registers: registers > 0 ? try store.take(layout.registerKey, shape: [1, registers, c]) : [],
            patchPositions: Array(allPositions[(classEntry ? c : 0)...]),
            preNorm: try layout.preNormKey.flatMap { store.contains($0 + ".weight") ? try reader.norm($0) : nil },
            blocks: try (0..<depth).map { try layout.readBlock($0, reader) },
            finalNorm: try reader.norm(layout.finalNormKey),
            projection: try projectionKey.map { try reader.linear($0, out: projectionWidth!, in: c) },
            classifier: try cfg.classes.map { try reader.linear(fcKey, out: $0, in: cfg.poolWidth) })
        try store.finish()
        return (cfg, weights, layout)
    }

    /// s with s·s = n (n ≥ 1), or nil.
    static func squareSide(_ n: Int) -> Int? {
        guard n >= 1 else { return nil }
        let s = Int(Double(n).squareRoot().rounded())
        return s * s == n ? s : nil
    }

    /// Number of blocks: indices 0…L−1 under the layout's block path, all present.
    static func blockCount(_ store: ParameterStore, layout: ViTKeyLayout, path: String) throws -> Int {
        let lead = layout.blockPath
        var indices = Set<Int>()
        for name in store.names {
            let parts = name.split(separator: ".").map(String.init)
            if parts.count > lead.count, Array(parts[0..<lead.count]) == lead, let n = Int(parts[lead.count]) { indices.insert(n) }
        }
        guard let top = indices.max(), indices.count == top + 1 else {
            throw BackboneError("\(path): blocks under '\(lead.joined(separator: "."))' are \(indices.sorted()), expected 0…L−1 (chunked DINOv2 ViT-g checkpoints are not supported)")
        }
        return indices.count
    }

    /// config.json in the folder of `path`, if present and a JSON object.
    static func configJSON(beside path: String) throws -> [String: Any]? {
        let url = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BackboneError("\(url.path): not a JSON object; fix or remove it (it is read for the head count, eps and activation)")
        }
        // CLIPConfig nests the vision tower's settings.
        return (object["vision_config"] as? [String: Any]) ?? object
    }
}
