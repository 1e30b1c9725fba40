/// Rule tables for checkpoints Thaw knows; a backbone concatenates the ones that apply.
extension KeyRule {
    /// `nn.DataParallel` / DDP wrappers save every key under `module.`.
    public static let dataParallel: [KeyRule] = [.stripPrefix("module.")]

    /// Training checkpoints `{"state_dict": …}` or `{"model": …}` (flattened with dots by the readers).
    public static let checkpointWrappers: [KeyRule] = [.stripPrefix("state_dict."), .stripPrefix("model.")]

    /// BatchNorm's step counter (int64) is not a parameter.
    public static let batchNormCounters: [KeyRule] = [.ignore("*.num_batches_tracked")]

    /// Hugging Face BERT checkpoints: keys may carry `bert.`; `embeddings.position_ids` is a
    /// buffer (0..<512), not a parameter.
    public static let bert: [KeyRule] = [.stripPrefix("bert."), .ignore("embeddings.position_ids")]
}
