@_spi(Profile) import ThawBackbones
import ThawKernels

/// Time of one stage of a profiled BERT layer (benchmarks only).
public struct BertStageTiming: Sendable {
    public var name: String        // e.g. "qkv projection", "attention softmax", "ffn up"
    public var seconds: Double     // median over the repeats
    public var flops: Double       // 2 · multiply-adds of the GEMMs (0 for the other stages)
    public var cpuSeconds = 0.0    // CPU time of all threads per run, averaged over the repeats (0: not measured)
    public var fastestSeconds = 0.0  // the fastest run (on a loaded machine the closest to an idle one; 0: not measured)
}

extension BertEncoder {
    /// Runs the stages of layer `layerIndex` one at a time on the embeddings of `ids`, `repeats`
    /// times each after a warm-up, and returns the median time per stage, then the whole layer
    /// as `forwardLayers` runs it (last entry, "layer (as run)"). The stages call the kernels
    /// `forwardLayers` calls, on the same buffers; "(qkv as 3 GEMMs)" is a reference that is not
    /// part of the layer (the three projections unstacked). For finding what dominates; allocates.
    /// - Parameters: ids, mask: [batch, length] (mask 1 = token).
    public func profileLayer(_ layerIndex: Int = 0, ids: [Int32], mask: [Int32], batch: Int, length: Int,
                             repeats: Int = 5) -> [BertStageTiming] {
        precondition(layers.indices.contains(layerIndex) && repeats > 0, "profileLayer: layer \(layerIndex) of \(layers.count), repeats > 0")
        let cfg = configuration, c = cfg.hiddenSize, inter = cfg.intermediateSize, h = cfg.heads
        let rows = batch * length, d = c / h, eps = cfg.layerNormEps
        var ws = Workspace(cfg, batch: batch, length: length)
        embed(ids: ids, typeIds: nil, batch: batch, length: length, workspace: &ws)
        let input = ws.hidden                                           // [B, T, C] layer input
        let layer = layers[layerIndex]
        var out: [BertStageTiming] = []
        func timed(_ name: String, flops: Double = 0, _ body: () -> Void) {
            out.append(BertStageTiming(name: name, seconds: medianSeconds(repeats: repeats, body), flops: flops))
        }
        let projection = 2.0 * Double(rows * c * c)                     // one [rows, C]·[C, C]ᵀ
        let core = 2.0 * Double(batch * h * length * length * d)        // QKᵀ or P·V over all pairs
        switch layer.projections {
        case let .panels(a, up, down):
            profilePanels(a, up, down, layer: layer, input: input, mask: mask, batch: batch, length: length,
                          projection: projection, core: core, timed: timed)
        case let .blas(a, intermediate, output):
            timed("qkv projection", flops: 3 * projection) {
                ws.hidden.withUnsafeBufferPointer { a.projectQKV(x: $0.baseAddress!, rows: rows, workspace: &ws.attention) }
            }
            // Reference: the same projections as three GEMMs (what the stacked one replaces).
            let w = a.qkv.weight, bias = a.qkv.bias
            let three = (0..<3).map { LinearParameters(weight: Array(w[$0 * c * c..<($0 + 1) * c * c]),
                                                       bias: Array(bias[$0 * c..<($0 + 1) * c]), inFeatures: c, outFeatures: c) }
            var separate = [Float](repeating: 0, count: 3 * rows * c)     // [3, rows, C]
            timed("(qkv as 3 GEMMs)", flops: 3 * projection) {
                ws.hidden.withUnsafeBufferPointer { hb in
                    separate.withUnsafeMutableBufferPointer { sb in
                        for (j, p) in three.enumerated() {
                            Linear.forward(p, x: hb.baseAddress!, rows: rows, y: sb.baseAddress! + j * rows * c)
                        }
                    }
                }
            }
            for (name, stage) in [("attention QKᵀ", AttentionStages.scores), ("attention mask+softmax", .softmax),
                                  ("attention P·V", .values)] {
                timed(name, flops: stage == .softmax ? 0 : core) {
                    a.attend(mask: mask, batch: batch, length: length, workspace: &ws.attention, stages: stage)
                }
            }
            ws.hidden.withUnsafeMutableBufferPointer { hb in
            ws.intermediate.withUnsafeMutableBufferPointer { ib in
                let x = hb.baseAddress!, f = ib.baseAddress!
                timed("output projection +res", flops: projection) {
                    a.projectOutput(rows: rows, workspace: &ws.attention, y: x, accumulate: true)
                }
                timed("layernorm 1") {
                    LayerNorm.forward(x: x, rows: rows, channels: c, gamma: layer.attentionNorm.gamma,
                                      beta: layer.attentionNorm.beta, eps: eps, y: x)
                }
                timed("ffn up", flops: 2.0 * Double(rows * c * inter)) {
                    Linear.forward(intermediate, x: x, rows: rows, y: f)
                }
                let gelu = [Float](UnsafeBufferPointer(start: f, count: rows * inter))   // GELU in place would drift
                timed("gelu") {
                    gelu.withUnsafeBufferPointer { GELU.forward(x: $0.baseAddress!, count: rows * inter, y: f) }
                }
                timed("ffn down +res", flops: 2.0 * Double(rows * c * inter)) {
                    Linear.forward(output, x: f, rows: rows, y: x, accumulate: true)
                }
                timed("layernorm 2") {
                    LayerNorm.forward(x: x, rows: rows, channels: c, gamma: layer.outputNorm.gamma,
                                      beta: layer.outputNorm.beta, eps: eps, y: x)
                }
            }}
        }
        let total = out.filter { !$0.name.hasPrefix("(") }.reduce(0) { $0 + $1.flops }
        timed("layer (as run)", flops: total) {
            ws.hidden = input
            forwardLayers(layerIndex..<layerIndex + 1, mask: mask, batch: batch, length: length, workspace: &ws)
        }
        return out
    }

    /// The panel-kernel stages of a layer (`BertProjections.panels`) on copies of its buffers: qkv, the attention
    /// core, output projection (+ residual), layernorm 1, ffn up + GELU, ffn down (+ residual), layernorm 2.
    private func profilePanels(_ a: PanelSelfAttention, _ up: PanelLinear, _ down: PanelLinear, layer: Layer,
                               input: [Float], mask: [Int32], batch: Int, length: Int, projection: Double, core: Double,
                               timed: (String, Double, () -> Void) -> Void) {
        let cfg = configuration, c = cfg.hiddenSize, inter = cfg.intermediateSize, rows = batch * length
        let eps = cfg.layerNormEps
        var x = input                                                   // [rows, C]
        var qkv = [Float](repeating: 0, count: rows * 3 * c)            // [rows, 3C]
        var context = [Float](repeating: 0, count: rows * c)            // [rows, C]
        var f = [Float](repeating: 0, count: rows * inter)              // [rows, I]
        x.withUnsafeMutableBufferPointer { xb in
        qkv.withUnsafeMutableBufferPointer { qb in
        context.withUnsafeMutableBufferPointer { cb in
        f.withUnsafeMutableBufferPointer { fb in
        mask.withUnsafeBufferPointer { mb in
            let x = xb.baseAddress!, q = qb.baseAddress!, ctx = cb.baseAddress!, f = fb.baseAddress!
            timed("panels qkv projection", 3 * projection) { a.qkv.forward(x: x, rows: rows, y: q) }
            // The core `PanelSelfAttention` runs: the panel kernel for heads of 64, else OpenBLAS (MiniLM's 32).
            if PanelAttentionCore.enabled && PanelAttentionCore.runs(headWidth: c / a.heads) {
                timed("panels attention core", 2 * core) {
                    PanelAttentionCore.run(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: mb.baseAddress!, batch: batch,
                                           length: length, heads: a.heads, context: ctx, channels: c)
                }
            } else {
                var probs = [Float](repeating: 0, count: batch * a.heads * length * length)   // [B, H, T, T]
                probs.withUnsafeMutableBufferPointer { pb in
                    timed("attention core (BLAS)", 2 * core) {
                        SelfAttention.core(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: mb.baseAddress!, batch: batch,
                                           length: length, heads: a.heads, probs: pb.baseAddress!, context: ctx, channels: c)
                    }
                }
            }
            timed("panels output projection +res", projection) { a.output.forward(x: ctx, rows: rows, y: x, accumulate: true) }
            timed("layernorm 1", 0) {
                LayerNorm.forward(x: x, rows: rows, channels: c, gamma: layer.attentionNorm.gamma,
                                  beta: layer.attentionNorm.beta, eps: eps, y: x)
            }
            timed("panels ffn up + gelu", 2.0 * Double(rows * c * inter)) { up.forward(x: x, rows: rows, y: f, activation: .gelu) }
            timed("panels ffn down +res", 2.0 * Double(rows * c * inter)) { down.forward(x: f, rows: rows, y: x, accumulate: true) }
            timed("layernorm 2", 0) {
                LayerNorm.forward(x: x, rows: rows, channels: c, gamma: layer.outputNorm.gamma,
                                  beta: layer.outputNorm.beta, eps: eps, y: x)
            }
        }}}}}
    }
}
