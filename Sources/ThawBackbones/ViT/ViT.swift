import Foundation
import ThawKernels
import ThawWeights

/// A vision transformer (DINOv2 with or without registers, OpenAI CLIP's image tower, DeiT) for
/// frozen inference over NHWC images preprocessed by its catalog preset.
///
/// Cut points, in order:
/// - `embeddings` (TC): tokens after patch embedding, class token, registers, position embeddings
///   (resampled to the input's patch grid) and CLIP's ln_pre — the input of block 0;
/// - `blocks.0` … `blocks.{L−1}` (TC): the residual stream after each block, before the final norm;
///   T = 1 + R + (H/p)·(W/p) rows: class token, R registers, patches row by row;
/// - `cls` (C): the class token after the final norm (`x_norm_clstoken`, CLIP's ln_post);
/// - `pool` (C, 2C or P): per `ViTConfiguration.pooling` — DINOv2: class token ⊕ mean of the
///   normed patch tokens (2C, registers left out); CLIP: the projection of `cls` (P, `encode_image`);
///   DeiT: `cls`;
/// - `fc` (K): logits of the classifier on `pool` that `thaw finetune --export` adds (`fc.weight`), only then.
///
/// Not thread-safe: one scratch, grown to the largest batch; one instance per concurrent forward.
public final class ViT: Backbone {
    public let name: String
    public let configuration: ViTConfiguration
    public let keyLayout: ViTKeyLayout
    public let cutPoints: [CutPoint]
    let encoder: ViTEncoder
    private let scratch = ViTEncoder.Scratch()
    /// Patch position grids per input grid (rows, columns), resampled once.
    private var positions: [[Int]: [Float]] = [:]

    init(name: String, configuration: ViTConfiguration, weights: ViTWeights, keyLayout: ViTKeyLayout) {
        self.name = name
        self.configuration = configuration
        self.keyLayout = keyLayout
        encoder = ViTEncoder(configuration: configuration, weights: weights)
        cutPoints = [CutPoint(name: "embeddings", layout: "TC")]
            + (0..<configuration.depth).map { CutPoint(name: "blocks.\($0)", layout: "TC") }
            + [CutPoint(name: "cls", layout: "C"), CutPoint(name: "pool", layout: "C")]
            + (configuration.classes == nil ? [] : [CutPoint(.fc, layout: "C")])
    }

    /// Loads a checkpoint in any `ViTKeyLayout` (detected from its keys) with `variant`'s choices.
    /// `path` is the weight file or a Hugging Face model folder (its `model.safetensors` or `pytorch_model.bin`).
    public static func load(name: String, path: String, variant: ViTVariant) throws -> ViT {
        try load(name: name, file: try WeightFile.load(try WeightFolder.weightFile(path)), variant: variant)
    }

    /// `load(name:path:variant:)` on a weight file already open: fine-tuning reads the file once for the
    /// frozen model and its trainable top (`topTensors(file:first:)`).
    public static func load(name: String, file: WeightFile, variant: ViTVariant) throws -> ViT {
        let (cfg, weights, layout) = try ViTWeights.load(file, variant: variant)
        return ViT(name: name, configuration: cfg, weights: weights, keyLayout: layout)
    }

    var clsIndex: Int { configuration.depth + 1 }
    var poolIndex: Int { configuration.depth + 2 }
    /// The classifier of a fine-tuned export (only when the file has one).
    var fcIndex: Int { configuration.depth + 3 }

    public func outputShape(at cut: String, inputShape: [Int]) throws -> [Int] {
        let i = try cutIndex(cut)
        guard inputShape.count == 3, inputShape[2] == 3, inputShape[0] >= configuration.patch, inputShape[1] >= configuration.patch else {
            throw BackboneError("\(name): input shape must be [H, W, 3] with H, W ≥ the patch size \(configuration.patch), got \(inputShape)")
        }
        let c = configuration.width
        switch i {
        case clsIndex: return [c]
        case poolIndex: return [configuration.poolWidth]
        case fcIndex: return [configuration.classes!]
        default: return [configuration.tokens(height: inputShape[0], width: inputShape[1]), c]
        }
    }

    /// The position grid [gh, gw, C] for an input grid, resampled by the layout's rule unless it is
    /// the checkpoint's own square grid (every library skips interpolation then).
    func positionGrid(rows gh: Int, columns gw: Int) -> [Float] {
        let cfg = configuration, m = cfg.positionGrid
        if gh == m && gw == m { return encoder.weights.patchPositions }
        if let cached = positions[[gh, gw]] { return cached }
        let grid = cfg.positionResample.resample(encoder.weights.patchPositions, inSide: m, channels: cfg.width,
                                                 outHeight: gh, outWidth: gw)
        positions[[gh, gw]] = grid
        return grid
    }

    public func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        let cfg = configuration, c = cfg.width
        let (start, tapIndex, deepest) = try forwardRange(from: from, taps: taps)
        guard let last = deepest else { return [:] }
        guard start < clsIndex else {
            throw BackboneError("\(name): cannot start from '\(from!)'; start from the input, `embeddings` or a `blocks.K` cut")
        }
        let x = input.tensor
        let batch: Int, tokens: Int
        if start == -1 {
            guard x.rank == 4, x.shape[3] == 3, x.shape[0] > 0, x.shape[1] >= cfg.patch, x.shape[2] >= cfg.patch else {
                throw BackboneError("\(name): input must be [N, H, W, 3] images with H, W ≥ \(cfg.patch), got \(x.shape)")
            }
            batch = x.shape[0]
            tokens = cfg.tokens(height: x.shape[1], width: x.shape[2])
        } else {
            // [N, T, C], or [N, T, 1, C]: token rows as ThawHeads reads a TC tap (a map one column wide).
            let tokenRows = x.rank == 3 || (x.rank == 4 && x.shape[2] == 1)
            guard tokenRows, x.shape[0] > 0, x.shape[1] > cfg.prefixTokens, x.shape.last == c else {
                throw BackboneError("\(name): input at '\(from!)' must be [N, T, \(c)] tokens with T > \(cfg.prefixTokens), got \(x.shape)")
            }
            batch = x.shape[0]
            tokens = x.shape[1]
        }
        let rows = batch * tokens
        scratch.reserve(cfg, batch: batch, tokens: tokens)
        if start == -1 {
            let (gh, gw) = cfg.grid(height: x.shape[1], width: x.shape[2])
            let grid = positionGrid(rows: gh, columns: gw)
            x.data.withUnsafeBufferPointer {
                encoder.embed($0.baseAddress!, batch: batch, height: x.shape[1], width: x.shape[2], positions: grid, scratch: scratch)
            }
        } else {
            scratch.hidden.withUnsafeMutableBufferPointer { h in
                x.data.withUnsafeBufferPointer { h.baseAddress!.update(from: $0.baseAddress!, count: rows * c) }
            }
        }
        var out: [String: Activations] = [:]
        func record(_ cut: Int, _ h: UnsafeBufferPointer<Float>) {
            guard tapIndex.contains(cut) else { return }
            out[cutPoints[cut].name] = Activations(tensor: Tensor(shape: [batch, tokens, c], data: Array(h[0..<rows * c])))
        }
        if start == -1 { scratch.hidden.withUnsafeBufferPointer { record(0, $0) } }
        // Cut k (1…L) is the output of block k−1; starting after cut j runs blocks j…
        let firstBlock = max(start, 0), lastBlock = min(last, cfg.depth)
        if firstBlock < lastBlock {
            encoder.runBlocks(firstBlock..<lastBlock, batch: batch, tokens: tokens, scratch: scratch) { k, h in record(k + 1, h) }
        }
        if last >= clsIndex {
            encoder.finalNorm(batch: batch, tokens: tokens, scratch: scratch)
            let (cls, pool) = encoder.heads(batch: batch, tokens: tokens, scratch: scratch)
            if tapIndex.contains(clsIndex) { out["cls"] = Activations(tensor: Tensor(shape: [batch, c], data: cls)) }
            if tapIndex.contains(poolIndex) { out["pool"] = Activations(tensor: Tensor(shape: [batch, cfg.poolWidth], data: pool)) }
            if tapIndex.contains(fcIndex), let fc = encoder.weights.classifier {
                var logits = [Float](repeating: 0, count: batch * fc.outFeatures)   // [B, K]
                pool.withUnsafeBufferPointer { x in logits.withUnsafeMutableBufferPointer { y in
                    Linear.forward(fc, x: x.baseAddress!, rows: batch, y: y.baseAddress!)
                } }
                out["fc"] = Activations(tensor: Tensor(shape: [batch, fc.outFeatures], data: logits))
            }
        }
        return out
    }
}
