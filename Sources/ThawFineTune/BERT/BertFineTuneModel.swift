import Foundation
import ThawBackbones
import ThawKernels
import ThawWeights

/// The trainable top of a BERT encoder: layers K+1…L−1, masked mean pooling (optionally L2
/// normalised, as sentence-transformers) and a linear classifier, fed with cached hidden states
/// [N, T, C] of `layer.K` and each sample's token count (positions ≥ count are padding).
/// MPNet: every layer adds the relative position bias of the one shared table (`relativeBias`;
/// frozen unless `relativeBias.trains`, see `TrainableRelativeBias` for why).
public final class BertFineTuneModel {
    public let layers: [TrainableBertLayer]
    /// MPNet's shared relative position bias table; nil for BERT.
    public let relativeBias: TrainableRelativeBias?
    public let classifier: TrainableClassifier
    /// L2-normalise the pooled vector before the classifier (sentence-transformers' output).
    public let normalize: Bool
    public let channels: Int

    public struct Saved {
        let layers: [TrainableBertLayer.Saved]
        let hidden: [Float]     // [N·T, C] output of the last layer
        let mean: [Float]       // [N, C] masked mean
        let norms: [Float]      // [N] ‖mean‖ (when normalizing)
        let pooled: [Float]     // [N, C] classifier input
        let counts: [Int]       // [N] tokens per sample
        let rows: Int, length: Int
    }

    public init(layers: [TrainableBertLayer], classifier: TrainableClassifier, normalize: Bool,
                relativeBias: TrainableRelativeBias? = nil) {
        precondition(!layers.isEmpty, "BertFineTuneModel: needs at least one layer to train")
        let c = layers[0].channels
        precondition(layers.allSatisfy { $0.channels == c } && classifier.inFeatures == c,
                     "BertFineTuneModel: every layer and the classifier must take \(c) channels")
        precondition(relativeBias.map { rb in layers.allSatisfy { $0.heads == rb.heads } } ?? true,
                     "BertFineTuneModel: the relative position bias table must have one column per attention head")
        self.layers = layers
        self.relativeBias = relativeBias
        self.classifier = classifier
        self.normalize = normalize
        channels = c
    }

    /// Layers `boundary+1 ..< configuration.layers` of a Hugging Face BERT or MPNet checkpoint (keys
    /// with or without `bert.`/`mpnet.`; MPNet's relative position bias table too, trained when
    /// `trainRelativeBias`); `classifier(C)` makes the classifier.
    public static func load(weights path: String, boundary k: Int, configuration cfg: BertConfiguration,
                            normalize: Bool, trainRelativeBias: Bool = false,
                            classifier: (Int) throws -> TrainableClassifier) throws -> BertFineTuneModel {
        let layerCount = cfg.layers
        guard k >= 0 && k + 1 < layerCount else {
            throw FineTuneError("--from layer.\(k): nothing to train above it; the encoder has layers 0…\(layerCount - 1). Fix: pass --from layer.K with K < \(layerCount - 1)")
        }
        let store = try ParameterStore(try WeightFile.load(path), rules: cfg.flavor.keyRules)
        let c = cfg.hiddenSize
        let layers = try ((k + 1)..<layerCount).map { n in
            try TrainableBertLayer(index: n, channels: c, intermediate: cfg.intermediateSize, heads: cfg.heads,
                                   eps: cfg.layerNormEps, flavor: cfg.flavor) { name, shape in
                try store.take(name, shape: shape)
            }
        }
        let relative = cfg.relativeAttentionBuckets == 0 ? nil
            : TrainableRelativeBias(table: try store.take(EncoderFlavor.relativeAttentionBiasKey, shape: [cfg.relativeAttentionBuckets, cfg.heads]),
                                    buckets: cfg.relativeAttentionBuckets, heads: cfg.heads, trains: trainRelativeBias)
        return BertFineTuneModel(layers: layers, classifier: try classifier(c), normalize: normalize, relativeBias: relative)
    }

    /// The relative position bias table when it trains (nil: BERT, or frozen).
    var trainedRelativeBias: TrainableRelativeBias? { relativeBias.flatMap { $0.trains ? $0 : nil } }

    /// Every tensor in checkpoint order: the relative position bias table (when it trains), layers, classifier.
    public var tensors: [TrainableTensor] {
        (trainedRelativeBias.map { [$0.table] } ?? []) + layers.flatMap(\.tensors) + classifier.tensors
    }

    /// Tensors with learning-rate multipliers: 1 for the classifier, `layerDecay`^d for the
    /// layer d places below it (d = 1 for the last layer); a trained relative position bias table
    /// takes the rate of the lowest trained layer.
    public func trainableGroups(layerDecay: Float) -> [(tensor: TrainableTensor, lrScale: Float)] {
        var out: [(TrainableTensor, Float)] = []
        if let rb = trainedRelativeBias { out.append((rb.table, Float(pow(Double(layerDecay), Double(layers.count))))) }
        for (i, l) in layers.enumerated() {
            let scale = Float(pow(Double(layerDecay), Double(layers.count - i)))
            out += l.tensors.map { ($0, scale) }
        }
        return out + classifier.tensors.map { ($0, 1) }
    }

    public func zeroGrad() { for t in tensors { t.zeroGrad() } }

    /// The attention mask [N·T] of token counts.
    static func mask(counts: [Int], length: Int) -> [Int32] {
        var m = [Int32](repeating: 0, count: counts.count * length)
        for (r, n) in counts.enumerated() { for t in 0..<n { m[r * length + t] = 1 } }
        return m
    }

    /// logits [N, classes] of hidden states x [N, T, C]; counts [N] in 1…T.
    public func forward(_ x: [Float], counts: [Int], length: Int) -> (logits: [Float], saved: Saved) {
        let n = counts.count, c = channels
        precondition(x.count == n * length * c, "BertFineTuneModel: x must be [\(n), \(length), \(c)]")
        precondition(counts.allSatisfy { (1...length).contains($0) }, "BertFineTuneModel: token counts must be in 1…\(length)")
        let m = Self.mask(counts: counts, length: length)
        let bias = relativeBias?.bias(length: length)   // [H, T, T], shared by the layers
        var h = x, saved: [TrainableBertLayer.Saved] = []
        for l in layers {
            let (y, s) = l.forward(h, mask: m, batch: n, length: length, bias: bias)
            saved.append(s); h = y
        }
        var mean = [Float](repeating: 0, count: n * c)   // [N, C]
        var norms = [Float](repeating: 1, count: n)      // [N]
        for r in 0..<n {
            let inv = 1 / Float(counts[r])
            for t in 0..<counts[r] { let o = (r * length + t) * c; for j in 0..<c { mean[r * c + j] += h[o + j] } }
            for j in 0..<c { mean[r * c + j] *= inv }
        }
        var pooled = mean
        if normalize {
            for r in 0..<n {
                var s: Float = 0
                for j in 0..<c { s += mean[r * c + j] * mean[r * c + j] }
                norms[r] = max(s.squareRoot(), 1e-12)   // torch F.normalize eps
                for j in 0..<c { pooled[r * c + j] = mean[r * c + j] / norms[r] }
            }
        }
        let logits = classifier.forward(pooled, rows: n)
        return (logits, Saved(layers: saved, hidden: h, mean: mean, norms: norms, pooled: pooled, counts: counts, rows: n, length: length))
    }

    /// Accumulates every gradient from dlogits [N, classes]; returns d(hidden states) [N, T, C] when
    /// `inputGradient` (else []: the cached states are frozen, the lowest layer skips that product).
    @discardableResult
    public func backward(_ dlogits: [Float], saved s: Saved, inputGradient: Bool = false) -> [Float] {
        let n = s.rows, c = channels, length = s.length
        var dp = classifier.backward(x: s.pooled, dlogits: dlogits, rows: n)   // [N, C]
        if normalize {
            // y = m/‖m‖: dm = (dy − y·(y·dy)) / ‖m‖
            for r in 0..<n {
                var dot: Float = 0
                for j in 0..<c { dot += s.pooled[r * c + j] * dp[r * c + j] }
                for j in 0..<c { dp[r * c + j] = (dp[r * c + j] - s.pooled[r * c + j] * dot) / s.norms[r] }
            }
        }
        var g = [Float](repeating: 0, count: n * length * c)   // [N·T, C]; padding rows get 0
        for r in 0..<n {
            let inv = 1 / Float(s.counts[r])
            for t in 0..<s.counts[r] { let o = (r * length + t) * c; for j in 0..<c { g[o + j] = dp[r * c + j] * inv } }
        }
        // A trained table's gradient: each layer's score-bias gradient [H, T, T] summed, then into buckets.
        var dBias = [Float](repeating: 0, count: trainedRelativeBias == nil ? 0 : layers[0].heads * length * length)
        dBias.withUnsafeMutableBufferPointer { db in
            for (i, (l, ls)) in zip(layers, s.layers).enumerated().reversed() {
                g = l.backward(g, saved: ls, inputGradient: i > 0 || inputGradient, dBias: db.isEmpty ? nil : db.baseAddress!)
            }
        }
        trainedRelativeBias?.backward(dBias: dBias, length: length)
        return g
    }
}
