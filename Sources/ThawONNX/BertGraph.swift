import ThawBackbones
import ThawWeights

/// A BERT or MPNet encoder as ONNX, the same computation as `ThawBackbones.BertEncoder` + `BertBackbone`:
/// embeddings (word + position 0…T−1 + token type 0; MPNet: word + positions counted after the
/// padding id, no token types) → LayerNorm; per layer h = LN(h + SelfAttention(h)),
/// h = LN(h + W₂·GELU(W₁·h + b₁) + b₂) with exact (erf) GELU and padding keys masked by adding
/// −FLT_MAX before the softmax (MPNet adds its relative position bias to the scaled scores first,
/// `BertGraph+MPNet.swift`); `pool` = masked mean over tokens (count clamped ≥ 1e-9), then L2
/// normalisation (norm clamped ≥ 1e-12), as sentence-transformers.
enum BertGraph {
    /// Emits `input_ids`, `attention_mask` int64 [N, T] → … → `cut` (`embeddings`, `layer.K`,
    /// `pool`, or `logits` = pool (L2-normalised when `l2Normalize`) → `classifier` for a
    /// fine-tuned export). Every parameter is read and checked, as Thaw loads it.
    static func build(_ g: ONNXGraphBuilder, configuration cfg: BertConfiguration, file: WeightFile,
                      inputIDs: String, attentionMask: String, cut: String, l2Normalize: Bool = true) throws -> GraphTap {
        let store = try ParameterStore(file, rules: cfg.flavor.keyRules)
        let c = cfg.hiddenSize, inner = cfg.intermediateSize, heads = cfg.heads, d = c / heads
        let hasClassifier = store.contains("classifier.weight")
        let names = BertBackbone.cutPoints(layers: cfg.layers).map(\.name) + (hasClassifier ? [TapName.logits.description] : [])
        let end = try cutIndex(cut, in: names, model: "BERT (\(file.path))")
        func take(_ key: String, _ shape: [Int]) throws -> [Float] { try store.take(key, shape: shape) }

        // Embeddings: Gather rows, positions 0…T−1 sliced from the table, token type 0 for all
        // (MPNet: positions after the padding id, gathered per token; no token types).
        let word = g.weight("embeddings.word_embeddings.weight", try take("embeddings.word_embeddings.weight", [cfg.vocabularySize, c]),
                            [cfg.vocabularySize, c])
        let positions = g.weight("embeddings.position_embeddings.weight",
                                 try take("embeddings.position_embeddings.weight", [cfg.maxPositions, c]), [cfg.maxPositions, c])
        let shape = g.op("Shape", [inputIDs], "ids_shape")                                           // [2]: N, T
        let length = g.op("Slice", [shape, g.int64s("one", [1]), g.int64s("two", [2])], "length")    // [1]: T
        var h = g.op("Gather", [word, inputIDs], "word_rows", ("axis", .int(0)))                      // [N, T, C]
        var relativeBias: String? = nil                                                                // [1, H, T, T] (MPNet)
        if cfg.flavor == .mpnet {
            h = g.add(h, mpnetPositionRows(g, inputIDs: inputIDs, table: positions, paddingIndex: cfg.paddingIndex), "embeddings/sum")
            relativeBias = mpnetRelativeBias(g, configuration: cfg, length: length,
                                             table: try take(EncoderFlavor.relativeAttentionBiasKey, [cfg.relativeAttentionBuckets, heads]))
        } else {
            let types = try take("embeddings.token_type_embeddings.weight", [cfg.typeVocabularySize, c])
            let type0 = g.weight("embeddings.token_type_embeddings.row0", Array(types[0..<c]), [c])
            let positionRows = g.op("Slice", [positions, g.int64s("zero", [0]), length, g.int64s("axis0", [0])], "position_rows") // [T, C]
            h = g.add(g.add(h, positionRows, "embeddings/pos"), type0, "embeddings/sum")
        }
        h = g.layerNorm(h, gamma: try take("embeddings.LayerNorm.weight", [c]), beta: try take("embeddings.LayerNorm.bias", [c]),
                        eps: cfg.layerNormEps, name: "embeddings.LayerNorm")

        // Mask: 1 = token. Additive [N, 1, 1, T]: 0 for tokens, −FLT_MAX for padding (as Thaw's attention).
        let maskF = g.cast(attentionMask, to: .float, "mask_float")                                  // [N, T]
        let additive = g.reshape(g.mul(g.sub(maskF, g.scalar(1), "mask_minus_one"), g.scalar(Float.greatestFiniteMagnitude),
                                       "mask_additive"), [0, 1, 1, -1], "mask_nh1t")
        let scale = g.scalar(1 / Float(d).squareRoot())

        for n in 0..<cfg.layers {
            let p = "encoder.layer.\(n).", keys = cfg.flavor.layerKeys(n)   // full keys, the prefix included
            let emit = n + 1 <= end
            func linear(_ x: String, _ key: String, out: Int, in i: Int) throws -> String {
                let weight = try take(key + ".weight", [out, i]), bias = try take(key + ".bias", [out])
                return emit ? g.linear(x, weight: weight, bias: bias, out: out, in: i, name: key) : x
            }
            func norm(_ x: String, _ key: String) throws -> String {
                let gamma = try take(key + ".weight", [c]), beta = try take(key + ".bias", [c])
                return emit ? g.layerNorm(x, gamma: gamma, beta: beta, eps: cfg.layerNormEps, name: key) : x
            }
            // Heads: [N, T, C] → [N, T, H, D] → Q, V [N, H, T, D], Kᵀ [N, H, D, T].
            let q = try linear(h, keys.query, out: c, in: c)
            let k = try linear(h, keys.key, out: c, in: c)
            let v = try linear(h, keys.value, out: c, in: c)
            var context = h
            if emit {
                let qh = g.transpose(g.reshape(q, [0, 0, heads, d], p + "q_heads"), [0, 2, 1, 3], p + "q_nhtd")
                let kt = g.transpose(g.reshape(k, [0, 0, heads, d], p + "k_heads"), [0, 2, 3, 1], p + "k_nhdt")
                let vh = g.transpose(g.reshape(v, [0, 0, heads, d], p + "v_heads"), [0, 2, 1, 3], p + "v_nhtd")
                var scaled = g.mul(g.op("MatMul", [qh, kt], p + "scores_raw"), scale, p + "scores_scaled")
                if let relativeBias { scaled = g.add(scaled, relativeBias, p + "scores_biased") }
                let scores = g.add(scaled, additive, p + "scores")
                let probs = g.softmax(scores, axis: -1, p + "attention_probs")                           // [N, H, T, T]
                let ctx = g.op("MatMul", [probs, vh], p + "context_heads")                              // [N, H, T, D]
                context = g.reshape(g.transpose(ctx, [0, 2, 1, 3], p + "context_nthd"), [0, 0, c], p + "context")
            }
            let attended = try linear(context, keys.attentionOutput, out: c, in: c)
            h = try norm(emit ? g.add(h, attended, p + "attention_residual") : h, keys.attentionNorm)
            var f = try linear(h, keys.intermediate, out: inner, in: c)
            if emit { f = g.gelu(f, p + "intermediate/gelu") }
            let ffn = try linear(f, keys.output, out: c, in: inner)
            h = try norm(emit ? g.add(h, ffn, p + "output_residual") : h, keys.outputNorm)
        }
        // BertModel's pooler (dense + tanh on [CLS]) is not used by mean pooling.
        store.skip("pooler.dense.weight"); store.skip("pooler.dense.bias")
        // A fine-tuned bundle also holds its classifier as the bundle head (docs/bundle-format.md); the head graph reads it.
        if store.contains("head.out.weight") { store.skip("head.out.weight"); store.skip("head.out.bias") }
        var classifier: (weight: [Float], bias: [Float], classes: Int)? = nil
        if hasClassifier {
            let k = file.tensors.first { $0.name.hasSuffix("classifier.weight") }?.shape.first ?? 0
            classifier = (try take("classifier.weight", [k, c]), try take("classifier.bias", [k]), k)
        }
        try store.finish()

        if end <= cfg.layers { return GraphTap(value: h, layout: .tokens(channels: c)) }
        // Masked mean over tokens, then L2 normalisation.
        let maskColumn = g.reshape(maskF, [0, 0, 1], "mask_nt1")                                      // [N, T, 1]
        let summed = g.reduceSum(g.mul(h, maskColumn, "masked_hidden"), axes: [1], keepDims: false, "token_sum")  // [N, C]
        let count = g.reduceSum(maskF, axes: [1], keepDims: true, "token_count")                    // [N, 1]
        var pooled = g.div(summed, g.maximum(count, g.scalar(1e-9), "token_count_clamped"), "token_mean")
        if end == cfg.layers + 1 || l2Normalize {
            let norm = g.reduce("ReduceL2", pooled, axes: [1], keepDims: true, "pool_norm")          // [N, 1]
            pooled = g.div(pooled, g.maximum(norm, g.scalar(1e-12), "pool_norm_clamped"), "pool")
        }
        if end == cfg.layers + 1 { return GraphTap(value: pooled, layout: .vector(channels: c)) }
        let logits = g.gemm(pooled, weight: classifier!.weight, bias: classifier!.bias, out: classifier!.classes, in: c,
                            name: "classifier")
        return GraphTap(value: logits, layout: .vector(channels: classifier!.classes))
    }
}
