import ThawKernels

/// LayerNorm's affine parameters, [C] each.
struct ViTNorm: Sendable {
    var gamma: [Float]
    var beta: [Float]
}

/// One pre-norm block, with LayerScale (DINOv2) folded into the rows of the two output projections
/// at load: γ ⊙ (W·x + b) = (diag γ · W)·x + γ ⊙ b, so the residual add stays one GEMM epilogue.
struct ViTBlockWeights: Sendable {
    var norm1: ViTNorm
    var norm2: ViTNorm
    var projections: ViTProjections
}

/// A block's GEMM layers: attention qkv [3C, C] and output [C, C] (× ls1), fc1 [I, C], fc2 [C, I] (× ls2) —
/// as PyTorch stores them for OpenBLAS, or repacked once at load for the AVX-512 panel kernel (`PanelLinear`;
/// the originals are dropped then, so the weights are held once).
enum ViTProjections: Sendable {
    case blas(attention: StackedSelfAttention, fc1: LinearParameters, fc2: LinearParameters)
    case panels(attention: PanelSelfAttention, fc1: PanelLinear, fc2: PanelLinear)

    /// The panel form when `PanelLinear.packing` takes all four layers, else the OpenBLAS form.
    init(attention: StackedSelfAttention, fc1: LinearParameters, fc2: LinearParameters) {
        if let a = PanelSelfAttention(attention), let f1 = PanelLinear.packing(fc1), let f2 = PanelLinear.packing(fc2) {
            self = .panels(attention: a, fc1: f1, fc2: f2)
        } else {
            self = .blas(attention: attention, fc1: fc1, fc2: fc2)
        }
    }
}

/// Every tensor of a ViT in one canonical form, whatever the file's key layout:
/// - `classToken` [C] already holds the class position embedding when the checkpoint adds one
///   (timm with registers stores it folded that way: `no_embed_class`);
/// - register tokens get no position embedding (DINOv2 with registers);
/// - `patchPositions` is the M×M grid [M, M, C], resampled per input size by the layout's rule.
struct ViTWeights: Sendable {
    var patchEmbedding: Conv2D            // kernel = stride = p, 3 → C
    var classToken: [Float]               // [C]
    var registers: [Float]                // [R, C]
    var patchPositions: [Float]           // [M, M, C]
    var preNorm: ViTNorm?                 // CLIP's ln_pre / timm norm_pre
    var blocks: [ViTBlockWeights]
    var finalNorm: ViTNorm                // norm / layernorm / ln_post (post_layernorm)
    var projection: LinearParameters?     // CLIP [P, C] (zero bias when the file has none)
    var classifier: LinearParameters? = nil  // `fc` [K, poolWidth] of a fine-tuned export
}

/// Reads the tensors of one block from names given by a layout; shapes are checked by the store.
struct ViTBlockReader {
    /// (name, shape) → values; throws naming the key when it is missing or of the wrong shape.
    var take: (String, [Int]) throws -> [Float]
    var has: (String) -> Bool
    var c: Int, mlp: Int, heads: Int

    func norm(_ prefix: String) throws -> ViTNorm {
        ViTNorm(gamma: try take(prefix + ".weight", [c]), beta: try take(prefix + ".bias", [c]))
    }

    func linear(_ prefix: String, out: Int, in inFeatures: Int, scale: [Float]? = nil) throws -> LinearParameters {
        var w = try take(prefix + ".weight", [out, inFeatures])
        var b = has(prefix + ".bias") ? try take(prefix + ".bias", [out]) : [Float](repeating: 0, count: out)
        if let scale {
            for o in 0..<out {
                for i in 0..<inFeatures { w[o * inFeatures + i] *= scale[o] }
                b[o] *= scale[o]
            }
        }
        return LinearParameters(weight: w, bias: b, inFeatures: inFeatures, outFeatures: out)
    }

    /// A block given its pieces' names; `qkv` is either one fused [3C, C] name or three [C, C] names.
    func block(norm1: String, qkv: [String], out: String, layerScale1: String?, norm2: String,
               fc1: String, fc2: String, layerScale2: String?) throws -> ViTBlockWeights {
        let ls1 = try layerScale1.map { try take($0, [c]) }, ls2 = try layerScale2.map { try take($0, [c]) }
        let projections: SelfAttentionParameters
        let output = try linear(out, out: c, in: c, scale: ls1)
        if qkv.count == 1 {
            // timm's fused qkv: rows [0, C) query, [C, 2C) key, [2C, 3C) value.
            let fused = try linear(qkv[0], out: 3 * c, in: c)
            func part(_ k: Int) -> LinearParameters {
                LinearParameters(weight: Array(fused.weight[k * c * c..<(k + 1) * c * c]), bias: Array(fused.bias[k * c..<(k + 1) * c]),
                                 inFeatures: c, outFeatures: c)
            }
            projections = SelfAttentionParameters(query: part(0), key: part(1), value: part(2), output: output, heads: heads)
        } else {
            projections = SelfAttentionParameters(query: try linear(qkv[0], out: c, in: c), key: try linear(qkv[1], out: c, in: c),
                                                  value: try linear(qkv[2], out: c, in: c), output: output, heads: heads)
        }
        return ViTBlockWeights(norm1: try norm(norm1), norm2: try norm(norm2),
                               projections: ViTProjections(attention: StackedSelfAttention(projections),
                                                           fc1: try linear(fc1, out: mlp, in: c),
                                                           fc2: try linear(fc2, out: c, in: mlp, scale: ls2)))
    }
}
