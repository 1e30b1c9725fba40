extension ViTFineTuneModel {
    /// Bytes the model keeps while training: every tensor's value, gradient and two optimizer moments.
    public var trainingStateBytes: Int { tensors.reduce(0) { $0 + $1.count } * 4 * 4 }

    /// Estimated bytes of saved activations per training row of `tokens` tokens: each block keeps about eight
    /// [T, C] arrays (input, norms, attention in and out, q, k, v, context), three [T, I] (fc1 out, activation,
    /// its gradient) and two [heads, T, T] (probabilities and their gradient). An estimate for `--memory-budget`.
    public func activationBytesPerRow(tokens t: Int) -> Int {
        let perBlock = blocks.reduce(0) { $0 + 8 * t * $1.channels + 3 * t * $1.mlpWidth + 2 * $1.heads * t * t }
        return (perBlock + 3 * t * channels) * 4
    }
}
