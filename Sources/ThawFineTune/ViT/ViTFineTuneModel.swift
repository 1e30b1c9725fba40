import Foundation
import ThawBackbones
import ThawKernels
import ThawWeights

/// The trainable top of a vision transformer fed with cached tokens [N, T, C] of `blocks.K` (or
/// `embeddings`): blocks K+1…L−1, the final norm, the family's pooling and a new classifier.
///
/// Pooling (`ViTPooling`, after the final norm): the class token (DeiT; CLIP then applies its projection,
/// which trains too), the mean of the patch tokens, or both concatenated (DINOv2's linear evaluation).
/// Rows of each sample: class token, R registers, patches (`prefixTokens` = 1 + R).
public final class ViTFineTuneModel {
    public let blocks: [TrainableViTBlock]
    public let finalNorm: (gamma: TrainableTensor, beta: TrainableTensor)     // [C], [C]
    /// CLIP's projection [P, C] of the class token, and its bias when the file has one.
    public let projection: (weight: TrainableTensor, bias: TrainableTensor?)?
    public let classifier: TrainableClassifier
    public let pooling: ViTPooling
    public let prefixTokens: Int
    public let channels: Int
    public let eps: Float
    /// Prefixes the checkpoint's keys lose when read (`ViTTopTensors.strippedPrefixes`): the export strips them too.
    public var strippedPrefixes: [String] = []

    public struct Saved {
        let blocks: [TrainableViTBlock.Saved]
        let hidden: [Float]                 // [N·T, C] the last block's output (final norm input)
        let mean: [Float], rstd: [Float]    // [N·T]
        let cls: [Float]                    // [N, C] normed class tokens (the projection's input)
        let pooled: [Float]                 // [N, poolWidth] the classifier's input
        let rows: Int, tokens: Int
    }

    public init(blocks: [TrainableViTBlock], finalNorm: (gamma: TrainableTensor, beta: TrainableTensor),
                projection: (weight: TrainableTensor, bias: TrainableTensor?)?, classifier: TrainableClassifier,
                pooling: ViTPooling, prefixTokens: Int, eps: Float) {
        let c = finalNorm.gamma.count
        precondition(blocks.allSatisfy { $0.channels == c }, "ViTFineTuneModel: every block must take \(c) channels")
        precondition(projection == nil || pooling == .classToken, "ViTFineTuneModel: a projection applies to the class token")
        self.blocks = blocks; self.finalNorm = finalNorm; self.projection = projection; self.classifier = classifier
        self.pooling = pooling; self.prefixTokens = prefixTokens; self.eps = eps
        channels = c
        precondition(classifier.inFeatures == poolWidth, "ViTFineTuneModel: the classifier takes \(classifier.inFeatures), pooling gives \(poolWidth)")
    }

    /// Blocks `firstBlock`…L−1, the final norm and projection of `vit` as stored in `weights` (the file it was
    /// loaded from); `classifier(poolWidth)` makes the classifier.
    public static func load(_ vit: ViT, weights: String, firstBlock: Int,
                            classifier: (Int) throws -> TrainableClassifier) throws -> ViTFineTuneModel {
        try load(vit, file: try WeightFile.load(try WeightFolder.weightFile(weights)), firstBlock: firstBlock, classifier: classifier)
    }

    /// `load(_:weights:firstBlock:classifier:)` from the weight file `vit` was loaded from, already open.
    public static func load(_ vit: ViT, file: WeightFile, firstBlock: Int,
                            classifier: (Int) throws -> TrainableClassifier) throws -> ViTFineTuneModel {
        let cfg = vit.configuration
        let top = try vit.topTensors(file: file, first: firstBlock)
        func tensor(_ v: ViTTensor, decays: Bool = false) -> TrainableTensor {
            TrainableTensor(key: v.key, torchShape: v.shape, torchValue: v.values, decays: decays)
        }
        let model = ViTFineTuneModel(
            blocks: top.blocks.map { TrainableViTBlock($0, heads: cfg.heads, eps: cfg.layerNormEps, activation: cfg.activation) },
            finalNorm: (tensor(top.finalNorm.weight), tensor(top.finalNorm.bias)),
            projection: top.projection.map { (tensor($0.weight, decays: true), $0.bias.map { tensor($0) }) },
            classifier: try classifier(cfg.poolWidth), pooling: cfg.pooling, prefixTokens: cfg.prefixTokens, eps: cfg.layerNormEps)
        model.strippedPrefixes = top.strippedPrefixes
        return model
    }

    /// Length of the pooled vector the classifier reads.
    public var poolWidth: Int {
        if let p = projection { return p.weight.torchShape[0] }
        return pooling == .classAndPatchMean ? 2 * channels : channels
    }

    /// Checkpoint prefixes of the trained blocks ("blocks.9.", …) for records.
    public var trainedBlockNames: [String] { blocks.map { "blocks.\($0.index)" } }

    /// Every tensor in checkpoint order: blocks, final norm, projection, classifier.
    public var tensors: [TrainableTensor] { blocks.flatMap(\.tensors) + topTensors + classifier.tensors }

    /// The final norm and the projection (weight, bias if any).
    var topTensors: [TrainableTensor] {
        var out = [finalNorm.gamma, finalNorm.beta]
        if let projection {
            out.append(projection.weight)
            if let bias = projection.bias { out.append(bias) }
        }
        return out
    }

    /// Tensors with learning-rate multipliers: 1 for the final norm, projection and classifier,
    /// `layerDecay`^d for the block d places below them (d = 1 for the last block).
    public func trainableGroups(layerDecay: Float) -> [(tensor: TrainableTensor, lrScale: Float)] {
        var out: [(TrainableTensor, Float)] = []
        for (i, b) in blocks.enumerated() {
            let scale = Float(pow(Double(layerDecay), Double(blocks.count - i)))
            out += b.tensors.map { ($0, scale) }
        }
        return out + (topTensors + classifier.tensors).map { ($0, 1) }
    }

    public func zeroGrad() { for t in tensors { t.zeroGrad() } }

    /// logits [N, classes] of tokens x [N, T, C].
    public func forward(_ x: [Float], batch n: Int, tokens t: Int) -> (logits: [Float], saved: Saved) {
        let c = channels, rows = n * t
        precondition(t > prefixTokens && x.count == rows * c, "ViTFineTuneModel: x must be [\(n), T > \(prefixTokens), \(c)]")
        var h = x, saved: [TrainableViTBlock.Saved] = []
        for b in blocks {
            let (y, s) = b.forward(h, batch: n, tokens: t)
            saved.append(s); h = y
        }
        var normed = [Float](repeating: 0, count: rows * c), mean = [Float](repeating: 0, count: rows), rstd = mean
        h.withUnsafeBufferPointer { hb in normed.withUnsafeMutableBufferPointer { yb in
            mean.withUnsafeMutableBufferPointer { mb in rstd.withUnsafeMutableBufferPointer { rb in
                LayerNorm.forward(x: hb.baseAddress!, rows: rows, channels: c, gamma: finalNorm.gamma.value, beta: finalNorm.beta.value,
                                  eps: eps, y: yb.baseAddress!, mean: mb.baseAddress!, rstd: rb.baseAddress!)
            }}
        }}
        var cls = [Float](repeating: 0, count: n * c)              // [N, C]
        var patchMean = cls                                        // [N, C]
        let patches = t - prefixTokens
        for b in 0..<n {
            for j in 0..<c { cls[b * c + j] = normed[b * t * c + j] }
            guard pooling != .classToken else { continue }
            var sum = [Double](repeating: 0, count: c)
            for r in prefixTokens..<t { for j in 0..<c { sum[j] += Double(normed[(b * t + r) * c + j]) } }
            for j in 0..<c { patchMean[b * c + j] = Float(sum[j] / Double(patches)) }
        }
        let pooled: [Float]
        switch pooling {
        case .classToken:
            if let projection {
                var p = [Float](repeating: 0, count: n * poolWidth)   // [N, P]
                let lp = projectionParameters(projection)
                cls.withUnsafeBufferPointer { xb in p.withUnsafeMutableBufferPointer { yb in
                    Linear.forward(lp, x: xb.baseAddress!, rows: n, y: yb.baseAddress!)
                }}
                pooled = p
            } else {
                pooled = cls
            }
        case .patchMean: pooled = patchMean
        case .classAndPatchMean:
            var p = [Float](repeating: 0, count: n * 2 * c)        // [N, 2C]: class ⊕ mean
            for b in 0..<n {
                for j in 0..<c { p[b * 2 * c + j] = cls[b * c + j]; p[b * 2 * c + c + j] = patchMean[b * c + j] }
            }
            pooled = p
        }
        let logits = classifier.forward(pooled, rows: n)
        return (logits, Saved(blocks: saved, hidden: h, mean: mean, rstd: rstd, cls: cls, pooled: pooled, rows: n, tokens: t))
    }

    func projectionParameters(_ p: (weight: TrainableTensor, bias: TrainableTensor?)) -> LinearParameters {
        let out = p.weight.torchShape[0]
        return LinearParameters(weight: p.weight.value, bias: p.bias?.value ?? [Float](repeating: 0, count: out),
                                inFeatures: channels, outFeatures: out)
    }
}
