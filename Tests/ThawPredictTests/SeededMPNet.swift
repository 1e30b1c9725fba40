import Foundation
import ThawAssets
import ThawWeights

/// A small MPNet with seeded random weights and the real all-mpnet-base-v2 tokenizer, written to a
/// folder as a Hugging Face model (model.safetensors with `MPNetModel` key names, config.json, and the
/// installed model's vocab.txt / tokenizer.json beside it), for CLI tests that must run the whole
/// MPNet path (relative position buckets, positions after the padding id) in seconds: hidden 32,
/// 4 heads, feed-forward 64, 4 layers, 32 relative buckets, 514 positions (512 tokens), vocabulary 30,527.
enum SeededMPNet {
    static let hidden = 32, heads = 4, intermediate = 64, layers = 4, buckets = 32, positions = 514, vocabulary = 30527

    /// Writes the model into `folder`; throws when the installed all-mpnet-base-v2 (its tokenizer) is missing.
    static func write(to folder: String, seed: UInt64 = 18) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let installed = try installedFolder()
        for name in ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            let src = installed + "/" + name, dst = folder + "/" + name
            if fm.fileExists(atPath: src) && !fm.fileExists(atPath: dst) { try fm.copyItem(atPath: src, toPath: dst) }
        }
        let config: [String: Any] = ["model_type": "mpnet", "hidden_size": hidden, "num_attention_heads": heads,
                                     "num_hidden_layers": layers, "intermediate_size": intermediate, "max_position_embeddings": positions,
                                     "relative_attention_num_buckets": buckets, "layer_norm_eps": 1e-5, "pad_token_id": 1,
                                     "vocab_size": vocabulary]
        try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/config.json"))
        var state = seed
        /// Uniform in [−scale, scale] (xorshift64*).
        func uniform(_ n: Int, scale: Float, offset: Float = 0) -> [Float] {
            (0..<n).map { _ in
                state ^= state >> 12; state ^= state << 25; state ^= state >> 27
                let u = Float((state &* 2685821657736338717) >> 40) / Float(1 << 24)   // [0, 1)
                return offset + scale * (2 * u - 1)
            }
        }
        var tensors: [SafetensorsWriter.Tensor] = []
        func add(_ name: String, _ shape: [Int], scale: Float, offset: Float = 0) {
            tensors.append(.init(name: name, shape: shape, values: uniform(shape.reduce(1, *), scale: scale, offset: offset)))
        }
        func linear(_ name: String, out: Int, in i: Int) {
            add(name + ".weight", [out, i], scale: (3 / Float(i)).squareRoot())
            add(name + ".bias", [out], scale: 0.1)
        }
        func norm(_ name: String) { add(name + ".weight", [hidden], scale: 0.1, offset: 1); add(name + ".bias", [hidden], scale: 0.1) }
        add("embeddings.word_embeddings.weight", [vocabulary, hidden], scale: 0.8)
        add("embeddings.position_embeddings.weight", [positions, hidden], scale: 0.8)
        norm("embeddings.LayerNorm")
        add("encoder.relative_attention_bias.weight", [buckets, heads], scale: 1)
        for n in 0..<layers {
            let p = "encoder.layer.\(n)."
            for k in ["q", "k", "v", "o"] { linear(p + "attention.attn." + k, out: hidden, in: hidden) }
            norm(p + "attention.LayerNorm")
            linear(p + "intermediate.dense", out: intermediate, in: hidden)
            linear(p + "output.dense", out: hidden, in: intermediate)
            norm(p + "output.LayerNorm")
        }
        try SafetensorsWriter.encode(tensors, metadata: ["format": "pt"]).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
    }

    /// The installed all-mpnet-base-v2 folder, found as `thaw` finds it (every site-packages folder the deps.sh
    /// record lists, then the interpreters'), so a record naming several checkouts still resolves.
    static func installedFolder() throws -> String {
        guard let asset = KnownAsset.named("all-mpnet-base-v2"), let weights = asset.find() else {
            throw MissingBinary(description: "all-mpnet-base-v2 is not installed (looked in \(SitePackages.roots().joined(separator: ", "))): run scripts/deps.sh")
        }
        let folder = (weights as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: folder + "/vocab.txt") else {
            throw MissingBinary(description: "\(folder) has no vocab.txt: rerun scripts/deps.sh")
        }
        return folder
    }
}
