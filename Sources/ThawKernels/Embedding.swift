/// BERT input embeddings before their LayerNorm:
/// out[b,t] = word[ids[b,t]] + position[t] + tokenType[typeIds[b,t]].
///
/// Positions count from 0 at the first token of every row (right padding, as the tokenizer
/// produces). Ids are checked: an id outside a table is a caller bug (vocabulary and weights
/// of different models), so it traps naming the rule.
public enum Embedding {
    /// - Parameters:
    ///   - ids, typeIds: [batch, length]; typeIds nil means all 0.
    ///   - word: [vocabulary, channels]; position: [maxPositions, channels]; tokenType: [types, channels].
    ///   - out: [batch, length, channels].
    public static func forward(ids: UnsafePointer<Int32>, typeIds: UnsafePointer<Int32>?,
                               batch: Int, length: Int, channels c: Int,
                               word: UnsafePointer<Float>, vocabulary: Int,
                               position: UnsafePointer<Float>, maxPositions: Int,
                               tokenType: UnsafePointer<Float>, types: Int,
                               out: UnsafeMutablePointer<Float>) {
        precondition(length <= maxPositions,
                     "Embedding: sequence length \(length) exceeds the \(maxPositions) learned positions")
        TransformerRows.forEach(rows: batch * length, costPerRow: 3 * c) { range in
            for r in range {
                let id = Int(ids[r]), type = Int(typeIds?[r] ?? 0), t = r % length
                precondition(id >= 0 && id < vocabulary, "Embedding: token id \(id) outside vocabulary 0..<\(vocabulary)")
                precondition(type >= 0 && type < types, "Embedding: token type \(type) outside 0..<\(types)")
                let w = word + id * c, p = position + t * c, tt = tokenType + type * c, o = out + r * c
                for i in 0..<c { o[i] = w[i] + p[i] + tt[i] }
            }
        }
    }
}
