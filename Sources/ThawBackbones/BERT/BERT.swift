import ThawCore
import ThawKernels
import ThawText

/// Sizes of a BERT encoder (Hugging Face `config.json` names in comments), and its flavor.
public struct BertConfiguration: Sendable {
    public var vocabularySize: Int      // vocab_size
    public var hiddenSize: Int          // hidden_size (C)
    public var layers: Int              // num_hidden_layers
    public var heads: Int               // num_attention_heads
    public var intermediateSize: Int    // intermediate_size (I)
    public var maxPositions: Int        // max_position_embeddings
    public var typeVocabularySize: Int  // type_vocab_size (0: no token type embeddings, MPNet)
    public var layerNormEps: Float      // layer_norm_eps
    public var flavor: EncoderFlavor
    public var relativeAttentionBuckets: Int   // relative_attention_num_buckets (MPNet; 0 = no relative bias)
    public var paddingIndex: Int32             // pad_token_id: MPNet positions count from paddingIndex + 1

    public init(vocabularySize: Int, hiddenSize: Int, layers: Int, heads: Int, intermediateSize: Int,
                maxPositions: Int, typeVocabularySize: Int, layerNormEps: Float, flavor: EncoderFlavor = .bert,
                relativeAttentionBuckets: Int = 0, paddingIndex: Int32 = 0) {
        self.vocabularySize = vocabularySize; self.hiddenSize = hiddenSize; self.layers = layers
        self.heads = heads; self.intermediateSize = intermediateSize; self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize; self.layerNormEps = layerNormEps
        self.flavor = flavor; self.relativeAttentionBuckets = relativeAttentionBuckets; self.paddingIndex = paddingIndex
    }

    /// sentence-transformers/all-MiniLM-L6-v2.
    public static let miniLML6 = BertConfiguration(vocabularySize: 30522, hiddenSize: 384, layers: 6, heads: 12,
                                                   intermediateSize: 1536, maxPositions: 512,
                                                   typeVocabularySize: 2, layerNormEps: 1e-12)

    /// sentence-transformers/all-mpnet-base-v2 (microsoft/mpnet-base's shape).
    public static let mpnetBase = BertConfiguration(vocabularySize: 30527, hiddenSize: 768, layers: 12, heads: 12,
                                                    intermediateSize: 3072, maxPositions: 514, typeVocabularySize: 0,
                                                    layerNormEps: 1e-5, flavor: .mpnet, relativeAttentionBuckets: 32,
                                                    paddingIndex: 1)

    /// The longest sequence the position table covers (MPNet's first position is paddingIndex + 1).
    public var maxLength: Int { flavor == .mpnet ? maxPositions - Int(paddingIndex) - 1 : maxPositions }
}

/// A parameter that is missing or has the wrong size.
public struct BertError: SentenceError {
    public var problem: String
    public var fix: String
    public init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
}

/// The BERT encoder (post-LayerNorm, GELU-erf feed-forward) for inference, with
/// sentence-transformers pooling on top; MPNet too (`EncoderFlavor`).
///
/// Per layer, in place on the hidden states h [B·T, C]:
///   h = LN(h + SelfAttention(h) [+ relative position bias in the scores]);  h = LN(h + W₂·GELU(W₁·h + b₁) + b₂)
/// Parameter names are Hugging Face's `BertModel` (`MPNetModel`) keys without the `bert.` (`mpnet.`) prefix.
public struct BertEncoder: Sendable {
    /// Returns the values of a named parameter, row-major; `shape` is what the encoder expects.
    public typealias ParameterSource = (_ name: String, _ shape: [Int]) throws -> [Float]

    @_spi(Profile) public struct Norm: Sendable { @_spi(Profile) public var gamma: [Float]; @_spi(Profile) public var beta: [Float] }   // [C], [C]

    @_spi(Profile) public struct Layer: Sendable {
        @_spi(Profile) public var projections: BertProjections    // attention (Q, K, V stacked [3C, C]; output [C, C]), [I, C], [C, I]
        @_spi(Profile) public var attentionNorm: Norm             // attention.output.LayerNorm
        @_spi(Profile) public var outputNorm: Norm                // output.LayerNorm
    }

    public let configuration: BertConfiguration
    let wordEmbeddings: [Float]       // [V, C]
    let positionEmbeddings: [Float]   // [P, C]
    let typeEmbeddings: [Float]       // [types, C] (empty for MPNet)
    let embeddingNorm: Norm
    /// MPNet's relative position bias table [buckets, H], shared by every layer; empty for BERT.
    public let relativeAttentionBias: [Float]
    @_spi(Profile) public let layers: [Layer]

    /// Reads every parameter through `parameters`; throws naming the first one of the wrong size.
    public init(configuration cfg: BertConfiguration, parameters: ParameterSource) throws {
        let c = cfg.hiddenSize, i = cfg.intermediateSize
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            let values = try parameters(name, shape)
            let want = shape.reduce(1, *)
            guard values.count == want else {
                throw BertError("BERT parameter \(name): expected shape \(shape) (\(want) values), "
                                + "got \(values.count) values; check the checkpoint matches the configuration")
            }
            return values
        }
        func linear(_ prefix: String, out: Int, in inFeatures: Int) throws -> LinearParameters {
            LinearParameters(weight: try tensor(prefix + ".weight", [out, inFeatures]),
                             bias: try tensor(prefix + ".bias", [out]), inFeatures: inFeatures, outFeatures: out)
        }
        func norm(_ prefix: String) throws -> Norm {
            Norm(gamma: try tensor(prefix + ".weight", [c]), beta: try tensor(prefix + ".bias", [c]))
        }
        configuration = cfg
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [cfg.vocabularySize, c])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [cfg.maxPositions, c])
        typeEmbeddings = cfg.typeVocabularySize == 0 ? []
            : try tensor("embeddings.token_type_embeddings.weight", [cfg.typeVocabularySize, c])
        embeddingNorm = try norm("embeddings.LayerNorm")
        relativeAttentionBias = cfg.relativeAttentionBuckets == 0 ? []
            : try tensor(EncoderFlavor.relativeAttentionBiasKey, [cfg.relativeAttentionBuckets, cfg.heads])
        layers = try (0..<cfg.layers).map { n in
            let k = cfg.flavor.layerKeys(n)
            return Layer(
                projections: BertProjections(
                    attention: StackedSelfAttention(SelfAttentionParameters(
                        query: try linear(k.query, out: c, in: c), key: try linear(k.key, out: c, in: c),
                        value: try linear(k.value, out: c, in: c),
                        output: try linear(k.attentionOutput, out: c, in: c), heads: cfg.heads)),
                    intermediate: try linear(k.intermediate, out: i, in: c),
                    output: try linear(k.output, out: c, in: i),
                    panels: cfg.relativeAttentionBuckets == 0),
                attentionNorm: try norm(k.attentionNorm),
                outputNorm: try norm(k.outputNorm))
        }
    }

    /// Buffers of one forward, sized once for the largest batch × length; reuse across calls.
    public struct Workspace {
        public let maxTokens: Int
        let heads: Int
        public var hidden: [Float]          // [B, T, C] hidden states after the last layer run
        @_spi(Profile) public var intermediate: [Float]           // [B, T, I]
        @_spi(Profile) public var attention: StackedSelfAttention.Workspace

        public init(_ cfg: BertConfiguration, batch: Int, length: Int) {
            maxTokens = batch * length
            heads = cfg.heads
            hidden = [Float](repeating: 0, count: maxTokens * cfg.hiddenSize)
            intermediate = [Float](repeating: 0, count: maxTokens * cfg.intermediateSize)
            attention = StackedSelfAttention.Workspace(batch: batch, length: length, channels: cfg.hiddenSize, heads: cfg.heads)
        }

        /// True if a batch × length forward fits (tokens and attention scores).
        public func fits(batch: Int, length: Int) -> Bool {
            batch * length <= maxTokens && batch * heads * length * length <= attention.maxScores
        }
    }

    /// Runs the encoder; the last hidden states [B, T, C] are left in `workspace.hidden`.
    /// `boundary(k, h)` (optional) sees the hidden states after the embeddings (k = 0) and after
    /// each layer k = 1…L.
    /// - Parameters: ids, typeIds, mask: [batch, length] (typeIds nil = all 0; mask 1 = token).
    public func forward(ids: [Int32], typeIds: [Int32]?, mask: [Int32], batch: Int, length: Int,
                        workspace ws: inout Workspace,
                        boundary: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) {
        embed(ids: ids, typeIds: typeIds, batch: batch, length: length, workspace: &ws)
        if let boundary {
            ws.hidden.withUnsafeBufferPointer { boundary(0, UnsafeBufferPointer(rebasing: $0[0..<batch * length * configuration.hiddenSize])) }
        }
        forwardLayers(0..<configuration.layers, mask: mask, batch: batch, length: length, workspace: &ws, boundary: boundary)
    }

    /// Embeddings + LayerNorm into `workspace.hidden` [B, T, C] (the input of layer 0).
    public func embed(ids: [Int32], typeIds: [Int32]?, batch: Int, length: Int, workspace ws: inout Workspace) {
        let cfg = configuration, c = cfg.hiddenSize, rows = batch * length
        precondition(ids.count == rows && (typeIds?.count ?? rows) == rows,
                     "BertEncoder: ids and typeIds must be [batch \(batch), length \(length)]")
        precondition(rows <= ws.maxTokens, "BertEncoder: workspace holds \(ws.maxTokens) tokens, batch has \(rows)")
        let positionIds = cfg.flavor == .mpnet
            ? Embedding.positionIdsAfterPadding(ids: ids, batch: batch, length: length, paddingIndex: cfg.paddingIndex) : nil
        ws.hidden.withUnsafeMutableBufferPointer { hb in
            let h = hb.baseAddress!
            Embedding.forward(ids: ids, typeIds: cfg.typeVocabularySize == 0 ? nil : typeIds, batch: batch, length: length,
                              channels: c, word: wordEmbeddings, vocabulary: cfg.vocabularySize,
                              position: positionEmbeddings, maxPositions: cfg.maxPositions,
                              tokenType: typeEmbeddings, types: cfg.typeVocabularySize, positionIds: positionIds, out: h)
            LayerNorm.forward(x: h, rows: rows, channels: c, gamma: embeddingNorm.gamma,
                              beta: embeddingNorm.beta, eps: cfg.layerNormEps, y: h)
        }
    }

    /// Runs layers `range` in place on `workspace.hidden` [B, T, C], which must hold the output of
    /// layer `range.lowerBound − 1` (or the embeddings). `boundary(k, h)` sees the output of each
    /// layer as k = index + 1.
    public func forwardLayers(_ range: Range<Int>, mask: [Int32], batch: Int, length: Int,
                              workspace ws: inout Workspace,
                              boundary: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) {
        let cfg = configuration, c = cfg.hiddenSize, rows = batch * length
        precondition(range.lowerBound >= 0 && range.upperBound <= layers.count,
                     "BertEncoder: layers \(range) outside 0..<\(layers.count)")
        precondition(mask.count == rows, "BertEncoder: mask must be [batch \(batch), length \(length)]")
        precondition(rows <= ws.maxTokens, "BertEncoder: workspace holds \(ws.maxTokens) tokens, batch has \(rows)")
        let eps = cfg.layerNormEps
        let bias = relativePositionBias(length: length)   // [H, T, T] or empty
        ws.hidden.withUnsafeMutableBufferPointer { hb in
        bias.withUnsafeBufferPointer { bb in
            let h = hb.baseAddress!
            let used = UnsafeBufferPointer(start: h, count: rows * c)
            for n in range {
                let layer = layers[n]
                ws.intermediate.withUnsafeMutableBufferPointer { ib in
                    let f = ib.baseAddress!
                    switch layer.projections {
                    case let .blas(attention, intermediate, output):
                        // h = LN(h + attention(h)): the attention reads h fully before adding into it.
                        attention.forward(x: h, mask: mask, batch: batch, length: length, workspace: &ws.attention,
                                          y: h, accumulate: true, bias: bias.isEmpty ? nil : bb.baseAddress!)
                        LayerNorm.forward(x: h, rows: rows, channels: c, gamma: layer.attentionNorm.gamma,
                                          beta: layer.attentionNorm.beta, eps: eps, y: h)
                        // h = LN(h + W₂·GELU(W₁·h + b₁) + b₂).
                        Linear.forward(intermediate, x: h, rows: rows, y: f)
                        GELU.forward(x: f, count: rows * cfg.intermediateSize, y: f)
                        Linear.forward(output, x: f, rows: rows, y: h, accumulate: true)
                        LayerNorm.forward(x: h, rows: rows, channels: c, gamma: layer.outputNorm.gamma,
                                          beta: layer.outputNorm.beta, eps: eps, y: h)
                    case let .panels(attention, intermediate, output):
                        // The same steps; the residual adds and GELU run in the GEMMs' tiles (`PanelLinear`), and
                        // each LayerNorm on the rows of the tile that finished them (`rowEpilogue`).
                        let attentionNorm = layer.attentionNorm, outputNorm = layer.outputNorm
                        mask.withUnsafeBufferPointer { m in
                            attention.forward(x: h, mask: m.baseAddress!, batch: batch, length: length,
                                              workspace: &ws.attention, y: h, accumulate: true, rowEpilogue: { range in
                                LayerNorm.forwardRows(range, x: h, channels: c, gamma: attentionNorm.gamma,
                                                      beta: attentionNorm.beta, eps: eps, y: h)
                            })
                        }
                        PanelFeedForward.forward(up: intermediate, down: output, x: h, rows: rows, y: h, scratch: f) { range in
                            LayerNorm.forwardRows(range, x: h, channels: c, gamma: outputNorm.gamma,
                                                  beta: outputNorm.beta, eps: eps, y: h)
                        }
                    }
                }
                boundary?(n + 1, used)
            }
        }}
    }

    /// MPNet's attention bias [H, T, T] for rows of `length` tokens (the same for every layer);
    /// empty for BERT.
    public func relativePositionBias(length: Int) -> [Float] {
        let cfg = configuration
        guard cfg.relativeAttentionBuckets > 0 else { return [] }
        var bias = [Float](repeating: 0, count: cfg.heads * length * length)
        relativeAttentionBias.withUnsafeBufferPointer { table in
            RelativePositionBias.forward(table: table.baseAddress!, buckets: cfg.relativeAttentionBuckets, heads: cfg.heads,
                                         maxDistance: EncoderFlavor.relativeMaxDistance, length: length, bias: &bias)
        }
        return bias
    }

    /// Sentence embeddings [B, C] of a tokenized batch: mean over its tokens, L2-normalised
    /// (what sentence-transformers returns for all-MiniLM-L6-v2).
    public func sentenceEmbeddings(_ batch: TokenBatch, normalize: Bool = true,
                                   workspace: inout Workspace) -> [Float] {
        forward(ids: batch.ids, typeIds: batch.tokenTypeIds, mask: batch.attentionMask,
                batch: batch.batchSize, length: batch.length, workspace: &workspace)
        var out = [Float](repeating: 0, count: batch.batchSize * configuration.hiddenSize)
        EmbeddingMeanPool.forward(hidden: workspace.hidden, mask: batch.attentionMask, batch: batch.batchSize,
                                  length: batch.length, channels: configuration.hiddenSize,
                                  normalize: normalize, out: &out)
        return out
    }

    /// Same, with a workspace made for this batch.
    public func sentenceEmbeddings(_ batch: TokenBatch, normalize: Bool = true) -> [Float] {
        var ws = Workspace(configuration, batch: batch.batchSize, length: batch.length)
        return sentenceEmbeddings(batch, normalize: normalize, workspace: &ws)
    }
}
