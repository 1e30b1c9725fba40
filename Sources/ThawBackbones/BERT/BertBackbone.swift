import Foundation
import ThawKernels
import ThawText
import ThawWeights

/// A BERT encoder as a `Backbone`: raw input is token ids as Float `[N, T]` with the attention
/// mask `[N, T]` in `Activations.mask` (nil = every position is a token).
///
/// Cut points: `embeddings`, `layer.0` … `layer.{L−1}` (hidden states, layout TC, mask carried
/// along) and `pool` (masked mean over tokens, then L2 normalisation: sentence-transformers'
/// sentence embedding, layout C).
///
/// Not thread-safe: one workspace, grown to the largest batch seen; one instance per concurrent forward.
public final class BertBackbone: Backbone {
    public let name: String
    public let encoder: BertEncoder
    /// The WordPiece tokenizer found beside the weights (vocab.txt), if any.
    public let tokenizer: BertTokenizer?
    public let cutPoints: [CutPoint]
    private var workspace: BertEncoder.Workspace?

    public init(name: String, encoder: BertEncoder, tokenizer: BertTokenizer?) {
        self.name = name
        self.encoder = encoder
        self.tokenizer = tokenizer
        cutPoints = Self.cutPoints(layers: encoder.configuration.layers)
    }

    /// The cut points of an encoder with `layers` layers, in execution order.
    public static func cutPoints(layers: Int) -> [CutPoint] {
        [CutPoint(.embeddings, layout: "TC")] + (0..<layers).map { CutPoint(.encoderLayer($0), layout: "TC") } + [CutPoint(.pool, layout: "C")]
    }

    public func outputShape(at cut: String, inputShape: [Int]) throws -> [Int] {
        let i = try cutIndex(cut)
        guard inputShape.count == 1, inputShape[0] > 0 else {
            throw BackboneError("\(name): input shape must be [T] (token count), got \(inputShape)")
        }
        let c = encoder.configuration.hiddenSize
        return i == cutPoints.count - 1 ? [c] : [inputShape[0], c]
    }

    public func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        let cfg = encoder.configuration, c = cfg.hiddenSize, pool = cutPoints.count - 1
        let (start, tapIndex, deepest) = try forwardRange(from: from, taps: taps)
        guard let last = deepest else { return [:] }
        let x = input.tensor
        guard start < pool else { return [:] }   // unreachable: every tap would be before `from`
        let wantRank = start == -1 ? 2 : 3
        guard x.rank == wantRank, x.shape[0] > 0, x.shape[1] > 0, start == -1 || x.shape[2] == c else {
            throw BackboneError("\(name): input at '\(from ?? "input")' must be \(start == -1 ? "[N, T] token ids" : "[N, T, \(c)]"), got \(x.shape)")
        }
        let batch = x.shape[0], length = x.shape[1], rows = batch * length
        guard length <= cfg.maxLength else {
            throw BackboneError("\(name): sequences of \(length) tokens exceed the \(cfg.maxLength) positions of the model; truncate them")
        }
        let maskFloats = input.mask ?? [Float](repeating: 1, count: rows)
        guard maskFloats.count == rows else {
            throw BackboneError("\(name): mask must be [N, T] = [\(batch), \(length)], got \(maskFloats.count) values")
        }
        let mask = maskFloats.map { Int32($0 != 0 ? 1 : 0) }
        var ws = takeWorkspace(batch: batch, length: length)
        defer { workspace = ws }
        if start == -1 {
            var ids = [Int32](repeating: 0, count: rows)
            for i in 0..<rows {
                let v = x.data[i]
                guard v >= 0, v < Float(cfg.vocabularySize), v == v.rounded() else {
                    throw BackboneError("\(name): token id \(v) at [\(i / length), \(i % length)] is not in 0..<\(cfg.vocabularySize); was the text tokenized with this model's vocab.txt?")
                }
                ids[i] = Int32(v)
            }
            encoder.embed(ids: ids, typeIds: nil, batch: batch, length: length, workspace: &ws)
        } else {
            ws.hidden.withUnsafeMutableBufferPointer { h in
                x.data.withUnsafeBufferPointer { h.baseAddress!.update(from: $0.baseAddress!, count: rows * c) }
            }
        }
        var out: [String: Activations] = [:]
        func record(_ cut: Int, _ h: UnsafeBufferPointer<Float>) {
            guard tapIndex.contains(cut) else { return }
            out[cutPoints[cut].name] = Activations(tensor: Tensor(shape: [batch, length, c], data: Array(h[0..<rows * c])),
                                                   mask: maskFloats)
        }
        if start == -1 { ws.hidden.withUnsafeBufferPointer { record(0, $0) } }
        // Cut k (1…L) is the output of layer k−1; starting after cut j runs layers j…
        let firstLayer = max(start, 0), lastLayer = min(last, cfg.layers)
        if firstLayer < lastLayer {
            encoder.forwardLayers(firstLayer..<lastLayer, mask: mask, batch: batch, length: length, workspace: &ws) { k, h in
                record(k, h)
            }
        }
        if last == pool {
            var pooled = [Float](repeating: 0, count: batch * c)   // [N, C]
            ws.hidden.withUnsafeBufferPointer { h in
                mask.withUnsafeBufferPointer { m in
                    pooled.withUnsafeMutableBufferPointer { p in
                        EmbeddingMeanPool.forward(hidden: h.baseAddress!, mask: m.baseAddress!, batch: batch, length: length,
                                                  channels: c, normalize: true, out: p.baseAddress!)
                    }
                }
            }
            out["pool"] = Activations(tensor: Tensor(shape: [batch, c], data: pooled))
        }
        return out
    }

    /// L2-normalised sentence embeddings [texts.count][C] (the `pool` cut), tokenized with the
    /// model's vocabulary and padded to the longest text.
    public func sentenceEmbeddings(_ texts: [String]) throws -> [[Float]] {
        guard let tokenizer else {
            throw BackboneError("\(name): no vocab.txt was found beside the weights; put the model's vocab.txt in the same folder")
        }
        if texts.isEmpty { return [] }
        let batch = tokenizer.encodeBatch(texts)
        let ids = Tensor(shape: [batch.batchSize, batch.length], data: batch.ids.map(Float.init))
        let pooled = try forward(Activations(tensor: ids, mask: batch.attentionMask.map(Float.init)), from: nil, taps: ["pool"])["pool"]!
        let c = encoder.configuration.hiddenSize
        return (0..<texts.count).map { Array(pooled.tensor.data[$0 * c..<($0 + 1) * c]) }
    }

    /// The kept workspace when it is big enough for batch × length, else a new one.
    private func takeWorkspace(batch: Int, length: Int) -> BertEncoder.Workspace {
        if let ws = workspace, ws.fits(batch: batch, length: length) {
            workspace = nil   // moved out, so writing it does not copy the buffers
            return ws
        }
        workspace = nil
        return BertEncoder.Workspace(encoder.configuration, batch: batch, length: length)
    }
}

// MARK: - Loading and catalog

extension BertBackbone {
    /// Loads a Hugging Face BERT or MPNet checkpoint strictly (`EncoderFlavor.keyRules`: keys with or
    /// without `bert.`/`mpnet.`, `position_ids` ignored). `path` is a model folder (holding
    /// `model.safetensors` or `pytorch_model.bin`) or the weight file itself; `vocab.txt` beside it
    /// gives the tokenizer (`tokenizer.json` its special tokens). With `configuration` nil, sizes are
    /// read from the weights (MPNet when it holds `encoder.relative_attention_bias.weight`), heads,
    /// LayerNorm eps and the padding id from `config.json` beside them (else head size 64, eps 1e-12,
    /// MPNet 1e-5 and padding id 1).
    public static func load(name: String, path: String, configuration: BertConfiguration? = nil,
                            maxLength: Int = 256, flavor: EncoderFlavor? = nil) throws -> BertBackbone {
        let weightsPath = try WeightFolder.weightFile(path)
        let folder = URL(fileURLWithPath: weightsPath).deletingLastPathComponent()
        let file = try WeightFile.load(weightsPath)
        let cfg = try configuration ?? inferConfiguration(file, configFile: folder.appendingPathComponent("config.json"))
        if let flavor, cfg.flavor != flavor {
            throw BackboneError("\(weightsPath): a\(cfg.flavor == .mpnet ? "n" : "") \(cfg.flavor.rawValue) checkpoint, not \(flavor.rawValue); "
                                + "Fix: pass --model \(cfg.flavor.rawValue) (`thaw models` lists both)")
        }
        let store = try ParameterStore(file, rules: cfg.flavor.keyRules)
        let encoder = try BertEncoder(configuration: cfg) { name, shape in try store.take(name, shape: shape) }
        // BertModel's pooler (dense + tanh on [CLS]) is not used by mean pooling.
        store.skip("pooler.dense.weight"); store.skip("pooler.dense.bias")
        // A `thaw finetune --export` file also holds its classifier (BertForSequenceClassification's keys).
        store.skip("classifier.weight"); store.skip("classifier.bias")
        // As a model bundle it also holds the same classifier as the bundle's head (docs/bundle-format.md).
        store.skip("head.out.weight"); store.skip("head.out.bias")
        try store.finish()
        var tokenizer: BertTokenizer? = nil
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("vocab.txt").path) {
            tokenizer = try BertTokenizer(modelDirectory: folder, maxLength: min(maxLength, cfg.maxLength))
        }
        return BertBackbone(name: name, encoder: encoder, tokenizer: tokenizer)
    }

    /// Sizes from tensor shapes (`embeddings.*`, `encoder.layer.N.*`), heads and eps from config.json.
    public static func inferConfiguration(_ file: WeightFile, configFile: URL) throws -> BertConfiguration {
        let relative = file[EncoderFlavor.relativeAttentionBiasKey] ?? file["mpnet." + EncoderFlavor.relativeAttentionBiasKey]
        let flavor: EncoderFlavor = relative == nil ? .bert : .mpnet
        func shape(_ key: String) throws -> [Int] {
            guard let t = file[key] ?? file[flavor.modelPrefix + key], t.shape.count == 2 else {
                throw BackboneError("\(file.path): no 2-D tensor '\(key)'; is this a BERT or MPNet checkpoint (Hugging Face key names)?")
            }
            return t.shape
        }
        let words = try shape("embeddings.word_embeddings.weight")
        let positions = try shape("embeddings.position_embeddings.weight")
        let types = flavor == .mpnet ? [0, 0] : try shape("embeddings.token_type_embeddings.weight")
        let intermediate = try shape("encoder.layer.0.intermediate.dense.weight")
        var layerIndices = Set<Int>()
        for t in file.tensors {
            let key = t.name.hasPrefix(flavor.modelPrefix) ? String(t.name.dropFirst(flavor.modelPrefix.count)) : t.name
            let parts = key.split(separator: ".")
            if parts.count > 2, parts[0] == "encoder", parts[1] == "layer", let n = Int(parts[2]) { layerIndices.insert(n) }
        }
        let hidden = words[1]
        var heads = relative?.shape.count == 2 ? relative!.shape[1] : max(1, hidden / 64)
        var eps: Float = flavor == .mpnet ? 1e-5 : 1e-12, padding: Int32 = flavor == .mpnet ? 1 : 0
        if let data = try? Data(contentsOf: configFile) {
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw BackboneError("\(configFile.path): not a JSON object; fix or remove it (heads then default to hidden/64)")
            }
            if let h = json["num_attention_heads"] as? Int { heads = h }
            if let e = json["layer_norm_eps"] as? Double { eps = Float(e) }
            if flavor == .mpnet, let p = json["pad_token_id"] as? Int, p >= 0, p < positions[0] - 1 { padding = Int32(p) }
        }
        guard hidden % heads == 0, !layerIndices.isEmpty, layerIndices.count == (layerIndices.max()! + 1) else {
            throw BackboneError("\(file.path): cannot read a BERT shape (hidden \(hidden), heads \(heads), layers \(layerIndices.sorted())); check config.json beside the weights")
        }
        return BertConfiguration(vocabularySize: words[0], hiddenSize: hidden, layers: layerIndices.count, heads: heads,
                                 intermediateSize: intermediate[0], maxPositions: positions[0],
                                 typeVocabularySize: types[0], layerNormEps: eps, flavor: flavor,
                                 relativeAttentionBuckets: relative?.shape.first ?? 0, paddingIndex: padding)
    }
}
