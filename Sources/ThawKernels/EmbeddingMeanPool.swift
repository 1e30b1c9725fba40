/// Sentence embeddings as sentence-transformers computes them: the mean of the token vectors
/// under the attention mask, then (optionally) L2 normalisation.
///
/// Matches its clamps: token count ≥ 1e-9 (an all-padding row gives zeros, not NaN) and
/// norm ≥ 1e-12 (`F.normalize`).
public enum EmbeddingMeanPool {
    /// - Parameters:
    ///   - hidden: [batch, length, channels]; mask: [batch, length], nonzero = token.
    ///   - out: [batch, channels].
    public static func forward(hidden: UnsafePointer<Float>, mask: UnsafePointer<Int32>,
                               batch: Int, length: Int, channels c: Int, normalize: Bool,
                               out: UnsafeMutablePointer<Float>) {
        TransformerRows.forEach(rows: batch, costPerRow: length * c) { range in
            for b in range {
                let o = out + b * c
                o.update(repeating: 0, count: c)
                var n: Float = 0
                for t in 0..<length where mask[b * length + t] != 0 {
                    let h = hidden + (b * length + t) * c
                    for i in 0..<c { o[i] += h[i] }
                    n += 1
                }
                let inv = 1 / max(n, 1e-9)
                for i in 0..<c { o[i] *= inv }
                if normalize {
                    var sq: Float = 0
                    for i in 0..<c { sq += o[i] * o[i] }
                    let s = 1 / max(sq.squareRoot(), 1e-12)
                    for i in 0..<c { o[i] *= s }
                }
            }
        }
    }
}
