import Foundation
import ThawKernels
import ThawText
import ThawWeights

/// A BERT encoder as a `Backbone`: raw input is token ids as Float `[N, T]` with the attention
/// mask `[N, T]` in `Activations.mask` (nil = every position is a token).
///
/// Cut points: `embeddings`, `layer.0` … `layer.{L−1}` (hidden states, layout TC, mask carried
/// along) and `pool` (masked mean over tokens, then L2 normalisation: sentence-transformers'
/// sentence embedding, layout C).
///
/// Not thread-safe: one workspace, grown to the largest batch seen; one instance per concurrent forward.
public final class BertBackbone: Backbone {
    public let name: String
    public let encoder: BertEncoder
    /// The WordPiece tokenizer found beside the weights (vocab.txt), if any.
    public let tokenizer: BertTokenizer?
    public let cutPoints: [CutPoint]
    private var workspace: BertEncoder.Workspace?

    public init(name: String, encoder: BertEncoder, tokenizer: BertTokenizer?) {
        self.name = name
        self.encoder = encoder
        self.tokenizer = tokenizer
        cutPoints = [CutPoint(name: "embeddings", layout: "TC")]
            + (0..<encoder.configuration.layers).map { CutPoint(name: "layer.\($0)", layout: "TC") }
            + [CutPoint(name: "pool", layout: "C")]
    }

    public func outputShape(at cut: String, inputShape: [Int]) throws -> [Int] {
        let i = try cutIndex(cut)
        guard inputShape.count == 1, inputShape[0] > 0 else {
            throw BackboneError("\(name): input shape must be [T] (token count), got \(inputShape)")
        }
        let c = encoder.configuration.hiddenSize
        return i == cutPoints.count - 1 ? [c] : [inputShape[0], c]
    }

    public func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        let cfg = encoder.configuration, c = cfg.hiddenSize, pool = cutPoints.count - 1
        let start = try from.map { try cutIndex($0) } ?? -1
        let tapIndex = try taps.map { try cutIndex($0) }
        if let bad = tapIndex.firstIndex(where: { $0 <= start }) {
            throw BackboneError("\(name): tap '\(taps[bad])' is not after the starting cut '\(from ?? "input")'")
        }
        guard let last = tapIndex.max() else { return [:] }
        let x = input.tensor
        guard start < pool else { return [:] }   // unreachable: every tap would be before `from`
        let wantRank = start == -1 ? 2 : 3
        guard x.rank == wantRank, x.shape[0] > 0, x.shape[1] > 0, start == -1 || x.shape[2] == c else {
            throw BackboneError("\(name): input at '\(from ?? "input")' must be \(start == -1 ? "[N, T] token ids" : "[N, T, \(c)]"), got \(x.shape)")
        }
        let batch = x.shape[0], length = x.shape[1], rows = batch * length
        guard length <= cfg.maxPositions else {
            throw BackboneError("\(name): sequences of \(length) tokens exceed the \(cfg.maxPositions) positions of the model; truncate them")
        }
        let maskFloats = input.mask ?? [Float](repeating: 1, count: rows)
        guard maskFloats.count == rows else {
            throw BackboneError("\(name): mask must be [N, T] = [\(batch), \(length)], got \(maskFloats.count) values")
        }
        let mask = maskFloats.map { Int32($0 != 0 ? 1 : 0) }
        var ws = takeWorkspace(batch: batch, length: length)
        defer { workspace = ws }
        if start == -1 {
            var ids = [Int32](repeating: 0, count: rows)
            for i in 0..<rows {
                let v = x.data[i]
                guard v >= 0, v < Float(cfg.vocabularySize), v == v.rounded() else {
                    throw BackboneError("\(name): token id \(v) at [\(i / length), \(i % length)] is not in 0..<\(cfg.vocabularySize); was the text tokenized with this model's vocab.txt?")
                }
                ids[i] = Int32(v)
            }
            encoder.embed(ids: ids, typeIds: nil, batch: batch, length: length, workspace: &ws)
        } else {
            ws.hidden.withUnsafeMutableBufferPointer { h in
                x.data.withUnsafeBufferPointer { h.baseAddress!.update(from: $0.baseAddress!, count: rows * c) }
            }
        }
        var out: [String: Activations] = [:]
        func record(_ cut: Int, _ h: UnsafeBufferPointer<Float>) {
            guard tapIndex.contains(cut) else { return }
            out[cutPoints[cut].name] = Activations(tensor: Tensor(shape: [batch, length, c], data: Array(h[0..<rows * c])),
                                                   mask: maskFloats)
        }
        if start == -1 { ws.hidden.withUnsafeBufferPointer { record(0, $0) } }
        // Cut k (1…L) is the output of layer k−1; starting after cut j runs layers j…
        let firstLayer = max(start, 0), lastLayer = min(last, cfg.layers)
        if firstLayer < lastLayer {
            encoder.forwardLayers(firstLayer..<lastLayer, mask: mask, batch: batch, length: length, workspace: &ws) { k, h in
                record(k, h)
            }
        }
        if last == pool {
            var pooled = [Float](repeating: 0, count: batch * c)   // [N, C]
            ws.hidden.withUnsafeBufferPointer { h in
                mask.withUnsafeBufferPointer { m in
                    pooled.withUnsafeMutableBufferPointer { p in
                        EmbeddingMeanPool.forward(hidden: h.baseAddress!, mask: m.baseAddress!, batch: batch, length: length,
                                                  channels: c, normalize: true, out: p.baseAddress!)
                    }
                }
            }
            out["pool"] = Activations(tensor: Tensor(shape: [batch, c], data: pooled))
        }
        return out
    }

    /// L2-normalised sentence embeddings [texts.count][C] (the `pool` cut), tokenized with the
    /// model's vocabulary and padded to the longest text.
    public func sentenceEmbeddings(_ texts: [String]) throws -> [[Float]] {
        guard let tokenizer else {
            throw BackboneError("\(name): no vocab.txt was found beside the weights; put the model's vocab.txt in the same folder")
        }
        if texts.isEmpty { return [] }
        let batch = tokenizer.encodeBatch(texts)
        let ids = Tensor(shape: [batch.batchSize, batch.length], data: batch.ids.map(Float.init))
        let pooled = try forward(Activations(tensor: ids, mask: batch.attentionMask.map(Float.init)), from: nil, taps: ["pool"])["pool"]!
        let c = encoder.configuration.hiddenSize
        return (0..<texts.count).map { Array(pooled.tensor.data[$0 * c..<($0 + 1) * c]) }
    }

    /// The kept workspace when it is big enough for batch × length, else a new one.
    private func takeWorkspace(batch: Int, length: Int) -> BertEncoder.Workspace {
        if let ws = workspace, ws.fits(batch: batch, length: length) {
            workspace = nil   // moved out, so writing it does not copy the buffers
            return ws
        }
        workspace = nil
        return BertEncoder.Workspace(encoder.configuration, batch: batch, length: length)
    }
}
