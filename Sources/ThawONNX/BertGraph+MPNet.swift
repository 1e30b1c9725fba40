import ThawBackbones
import ThawKernels

/// The two places MPNet's graph differs from BERT's (`BertGraph`): position ids counted after the
/// padding id, and the relative position bias added to every layer's scores.
extension BertGraph {
    /// Position rows [N, T, C] of MPNet's embeddings: id pad + k for the k-th non-padding token of a row
    /// (k from 1), pad for padding tokens — Hugging Face's `create_position_ids_from_input_ids`, as
    /// `Embedding.positionIdsAfterPadding`. Computed in the graph: CumSum of (ids ≠ pad).
    static func mpnetPositionRows(_ g: ONNXGraphBuilder, inputIDs: String, table: String, paddingIndex: Int32) -> String {
        let pad = g.int64s("padding_id", [Int(paddingIndex)], dims: [])
        let isToken = g.cast(g.op("Not", [g.op("Equal", [inputIDs, pad], "ids_is_pad")], "ids_not_pad"), to: .int64, "ids_token")  // [N, T]
        let counted = g.op("CumSum", [isToken, g.int64s("axis1", [1], dims: [])], "token_ordinal")                              // [N, T]
        let ids = g.add(g.mul(counted, isToken, "token_ordinal_masked"), pad, "position_ids")                                   // [N, T]
        return g.op("Gather", [table, ids], "position_rows", ("axis", .int(0)))                                                 // [N, T, C]
    }

    /// MPNet's score bias [H, T, T] = table[bucket(j − i), h] for this graph's T, shared by every layer
    /// (broadcast over the batch). The buckets are a precomputed constant — the bucket of every relative
    /// position −(Tmax−1)…Tmax−1 for the model's longest input Tmax (`maxLength`, 512 for MPNet-base),
    /// from `RelativePositionBias.bucket`, so exactly Thaw's — indexed in the graph by j − i + Tmax − 1 from
    /// Range(T); the table stays a weight [buckets, H] gathered in the graph. T > Tmax fails in Gather,
    /// as the position table does.
    static func mpnetRelativeBias(_ g: ONNXGraphBuilder, configuration cfg: BertConfiguration, length: String, table: [Float]) -> String {
        let tmax = cfg.maxLength
        let byOffset = (0..<(2 * tmax - 1)).map {
            RelativePositionBias.bucket(relative: $0 - (tmax - 1), buckets: cfg.relativeAttentionBuckets,
                                        maxDistance: EncoderFlavor.relativeMaxDistance)
        }
        let bucketOfOffset = g.int64s("relative_bucket_of_offset", byOffset)                                        // [2·Tmax − 1]
        let t = g.reshape(length, [], "length_scalar")                                                                 // []
        let positions = g.op("Range", [g.int64s("range_start", [0], dims: []), t, g.int64s("range_step", [1], dims: [])], "positions") // [T]
        let relative = g.sub(g.reshape(positions, [1, -1], "key_positions"), g.reshape(positions, [-1, 1], "query_positions"),
                             "relative_positions")                                                                     // [T, T]: j − i
        let offset = g.add(relative, g.int64s("relative_offset", [tmax - 1], dims: []), "relative_offsets")           // [T, T]
        let buckets = g.op("Gather", [bucketOfOffset, offset], "relative_buckets", ("axis", .int(0)))                  // [T, T]
        let weight = g.weight(EncoderFlavor.relativeAttentionBiasKey, table, [cfg.relativeAttentionBuckets, cfg.heads])
        let rows = g.op("Gather", [weight, buckets], "relative_bias_thh", ("axis", .int(0)))                           // [T, T, H]
        return g.transpose(rows, [2, 0, 1], "relative_bias")                                                           // [H, T, T]
    }
}
