import ThawWeights

/// The BERT-shaped text encoders Thaw runs with one implementation (`BertEncoder`): post-LayerNorm
/// layers of self-attention and a GELU feed-forward. They differ in key names and in how position
/// enters attention:
/// - `bert`: learned absolute positions 0…T−1 and token type embeddings (Hugging Face `BertModel`).
/// - `mpnet`: learned absolute positions counted from padding_idx + 1 (padding at padding_idx), no
///   token types, and a relative position bias (32 T5-style buckets, max distance 128) shared by every
///   layer and added to its attention scores (Hugging Face `MPNetModel`).
public enum EncoderFlavor: String, Sendable {
    case bert, mpnet

    /// Names of the parameters of layer `n` in this flavor's checkpoints (without `bert.`/`mpnet.`).
    public struct LayerKeys: Sendable {
        public var query, key, value, attentionOutput, attentionNorm, intermediate, output, outputNorm: String
    }

    public func layerKeys(_ n: Int) -> LayerKeys {
        let p = "encoder.layer.\(n)."
        switch self {
        case .bert:
            return LayerKeys(query: p + "attention.self.query", key: p + "attention.self.key",
                             value: p + "attention.self.value", attentionOutput: p + "attention.output.dense",
                             attentionNorm: p + "attention.output.LayerNorm", intermediate: p + "intermediate.dense",
                             output: p + "output.dense", outputNorm: p + "output.LayerNorm")
        case .mpnet:
            return LayerKeys(query: p + "attention.attn.q", key: p + "attention.attn.k", value: p + "attention.attn.v",
                             attentionOutput: p + "attention.attn.o", attentionNorm: p + "attention.LayerNorm",
                             intermediate: p + "intermediate.dense", output: p + "output.dense",
                             outputNorm: p + "output.LayerNorm")
        }
    }

    /// MPNet's table of relative position biases, [buckets, heads].
    public static let relativeAttentionBiasKey = "encoder.relative_attention_bias.weight"
    /// `MPNetEncoder.relative_attention_bias` buckets cover distances up to this (fixed in Hugging Face's code).
    public static let relativeMaxDistance = 128

    /// Key rules for this flavor's checkpoints: the task models' prefix (`bert.`, `mpnet.`) dropped,
    /// the `position_ids` buffer ignored.
    public var keyRules: [KeyRule] {
        switch self {
        case .bert: return KeyRule.bert
        case .mpnet: return [.stripPrefix("mpnet."), .ignore("embeddings.position_ids")]
        }
    }

    /// The prefix of this flavor's task models (`BertForSequenceClassification.bert`, `MPNetForMaskedLM.mpnet`).
    public var modelPrefix: String { rawValue + "." }
}
