import ThawKernels

/// What an exporter (ThawONNX) needs to rebuild the embeddings of a ViT for one input size, in PyTorch
/// order: the patch convolution, the prefix tokens (class token with its position folded in, registers),
/// the patch positions resampled to the input's grid by the layout's rule, and CLIP's ln_pre.
public struct ViTEmbeddingTensors: Sendable {
    public let patchWeight: [Float]            // [C, 3, p, p] OIHW
    public let patchBias: [Float]?             // [C]
    public let prefix: [Float]                 // [1 + R, C]
    public let positions: [Float]              // [gh·gw, C]
    public let grid: (rows: Int, columns: Int)
    public let preNorm: (gamma: [Float], beta: [Float])?
}

extension ViT {
    /// The embeddings for H×W inputs (the positions exactly as `forward` resamples them).
    public func embeddingTensors(height: Int, width: Int) -> ViTEmbeddingTensors {
        let w = encoder.weights, cfg = configuration
        let (gh, gw) = cfg.grid(height: height, width: width)
        return ViTEmbeddingTensors(patchWeight: Conv2D.oihw(fromGEMM: w.patchEmbedding.weight, shape: w.patchEmbedding.shape),
                                   patchBias: w.patchEmbedding.bias, prefix: w.classToken + w.registers,
                                   positions: positionGrid(rows: gh, columns: gw), grid: (gh, gw),
                                   preNorm: w.preNorm.map { ($0.gamma, $0.beta) })
    }

    /// The classifier of a fine-tuned export (`fc`: weight [K, poolWidth], bias [K]), nil without one.
    public var classifierTensors: (weight: [Float], bias: [Float])? {
        encoder.weights.classifier.map { ($0.weight, $0.bias) }
    }
}
