/// BERT input embeddings before their LayerNorm:
/// out[b,t] = word[ids[b,t]] + position[t] + tokenType[typeIds[b,t]].
///
/// Positions count from 0 at the first token of every row (right padding, as the tokenizer
/// produces), or are given as `positionIds` (MPNet and RoBERTa count from padding_idx + 1 and
/// give padding position padding_idx). `types` 0: no token type table (MPNet). Ids are checked: an id outside a table is a caller bug (vocabulary and weights
/// of different models), so it traps naming the rule.
public enum Embedding {
    /// - Parameters:
    ///   - ids, typeIds: [batch, length]; typeIds nil means all 0.
    ///   - word: [vocabulary, channels]; position: [maxPositions, channels]; tokenType: [types, channels].
    ///   - positionIds: nil (position t), or [batch, length] rows of `position`.
    ///   - out: [batch, length, channels].
    public static func forward(ids: UnsafePointer<Int32>, typeIds: UnsafePointer<Int32>?,
                               batch: Int, length: Int, channels c: Int,
                               word: UnsafePointer<Float>, vocabulary: Int,
                               position: UnsafePointer<Float>, maxPositions: Int,
                               tokenType: UnsafePointer<Float>, types: Int,
                               positionIds: UnsafePointer<Int32>? = nil,
                               out: UnsafeMutablePointer<Float>) {
        precondition(positionIds != nil || length <= maxPositions,
                     "Embedding: sequence length \(length) exceeds the \(maxPositions) learned positions")
        TransformerRows.forEach(rows: batch * length, costPerRow: 3 * c) { range in
            for r in range {
                let id = Int(ids[r]), type = Int(typeIds?[r] ?? 0), t = Int(positionIds?[r] ?? Int32(r % length))
                precondition(id >= 0 && id < vocabulary, "Embedding: token id \(id) outside vocabulary 0..<\(vocabulary)")
                precondition(t >= 0 && t < maxPositions, "Embedding: position \(t) outside 0..<\(maxPositions)")
                let w = word + id * c, p = position + t * c, o = out + r * c
                if types == 0 {
                    for i in 0..<c { o[i] = w[i] + p[i] }
                } else {
                    precondition(type >= 0 && type < types, "Embedding: token type \(type) outside 0..<\(types)")
                    let tt = tokenType + type * c
                    for i in 0..<c { o[i] = w[i] + p[i] + tt[i] }
                }
            }
        }
    }

    /// MPNet's (RoBERTa's) position ids [batch, length]: tokens count padding_idx + 1, + 2, … along
    /// the row, padding tokens (id == padding_idx) take padding_idx (Hugging Face's
    /// `create_position_ids_from_input_ids`).
    public static func positionIdsAfterPadding(ids: [Int32], batch: Int, length: Int, paddingIndex pad: Int32) -> [Int32] {
        var out = [Int32](repeating: pad, count: ids.count)
        for b in 0..<batch {
            var count: Int32 = 0
            for t in 0..<length where ids[b * length + t] != pad {
                count += 1
                out[b * length + t] = pad + count
            }
        }
        return out
    }
}
