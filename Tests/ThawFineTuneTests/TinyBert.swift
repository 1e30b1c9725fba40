import ThawCore
import ThawFineTune
import ThawHeads

/// A small seeded BERT top (two layers, C = 8, 2 heads, I = 16, 3 classes) and separable
/// synthetic hidden states with varied token counts.
enum TinyBert {
    static let channels = 8, length = 6, classes = 3

    static func make(seed: UInt64 = 3, normalize: Bool = false) throws -> BertFineTuneModel {
        var rng = SplitMix64(seed: seed)
        let layers = try (4...5).map { n in
            try TrainableBertLayer(index: n, channels: channels, intermediate: 16, heads: 2, eps: 1e-12) { key, shape in
                let count = shape.reduce(1, *)
                if key.contains("LayerNorm.weight") { return (0..<count).map { _ in 1 + 0.1 * rng.nextNormal() } }
                if key.hasSuffix(".bias") { return (0..<count).map { _ in 0.05 * rng.nextNormal() } }
                return (0..<count).map { _ in rng.nextNormal() / Float(shape[1]).squareRoot() }
            }
        }
        return BertFineTuneModel(layers: layers, classifier: TrainableClassifier(inFeatures: channels, classes: classes, seed: seed),
                                 normalize: normalize)
    }

    /// `count` samples [T, C]: class k adds +1 to channels 2k and 2k+1 of every real token.
    static func split(count: Int, seed: UInt64) -> BertSplit {
        var rng = SplitMix64(seed: seed)
        var s = BertSplit(length: length, channels: channels)
        for i in 0..<count {
            let k = i % classes, n = 1 + i % length
            for t in 0..<length {
                for c in 0..<channels { s.states.append(t < n ? rng.nextNormal() + (c / 2 == k ? 1 : 0) : 0) }
            }
            s.counts.append(n)
            s.labels.append(Int32(k))
        }
        return s
    }
}
