import ThawKernels

/// The forward pass of a pre-norm vision transformer over a batch of token rows, in place on
/// `hidden` [B·T, C] (T = 1 + R + patches: class token, registers, patches, in that order):
///
///   h = h + Attention(LN₁(h)) · ls₁;   h = h + FC₂(act(FC₁(LN₂(h)))) · ls₂
///
/// with LayerScale already folded into the output projections (`ViTBlockWeights`). The kernels are
/// BERT's: `StackedSelfAttention` (one [C, 3C] GEMM, heads read in place), `LayerNorm`, `Linear`
/// with the residual added in its epilogue, `GELU` / `QuickGELU` — or, on AVX-512 CPUs, the same
/// layers packed at load for the panel kernel (`PanelSelfAttention`, `PanelLinear`, GELU in the tiles).
struct ViTEncoder {
    let configuration: ViTConfiguration
    let weights: ViTWeights
    /// Token rows per unit of the LayerNorms run in the panel GEMMs' dispatches (ViT-S/14 at batch 1: 9 units).
    static let normRows = 32

    /// Buffers of one forward, regrown when a batch × tokens needs more rows or attention scores.
    final class Scratch {
        private(set) var maxRows = 0, maxScores = 0
        var hidden: [Float] = []            // [B·T, C] the residual stream
        var normed: [Float] = []            // [B·T, C] LN output (then the final norm's)
        var mlp: [Float] = []               // [B·T, I]
        var mask: [Int32] = []              // [B·T] all ones: images have no padding
        var attention = StackedSelfAttention.Workspace(batch: 0, length: 0, channels: 1, heads: 1)
        let convolution = Workspace()

        func reserve(_ cfg: ViTConfiguration, batch: Int, tokens: Int) {
            let rows = batch * tokens, scores = batch * cfg.heads * tokens * tokens
            guard rows > maxRows || scores > maxScores else { return }
            maxRows = rows; maxScores = scores          // sized for this call (the attention buffers need both)
            hidden = [Float](repeating: 0, count: maxRows * cfg.width)
            normed = hidden
            mlp = [Float](repeating: 0, count: maxRows * cfg.mlpWidth)
            mask = [Int32](repeating: 1, count: maxRows)
            attention = StackedSelfAttention.Workspace(batch: batch, length: tokens, channels: cfg.width, heads: cfg.heads)
        }
    }

    /// Patch embedding, class token, registers, position embeddings and ln_pre into `scratch.hidden`.
    /// - Parameters: images [B, H, W, 3] NHWC; positions [gh, gw, C] for this input's grid.
    func embed(_ images: UnsafePointer<Float>, batch: Int, height: Int, width: Int, positions: [Float], scratch s: Scratch) {
        let cfg = configuration, c = cfg.width
        let (gh, gw) = cfg.grid(height: height, width: width)
        let patches = gh * gw, t = cfg.prefixTokens + patches
        precondition(positions.count == patches * c, "ViTEncoder.embed: positions must be [\(gh), \(gw), \(c)]")
        let conv = s.convolution.take(batch * patches * c)                    // [B, gh, gw, C]
        defer { s.convolution.reset() }
        weights.patchEmbedding.forward(images, batch: batch, height: height, width: width, into: conv, workspace: s.convolution)
        s.hidden.withUnsafeMutableBufferPointer { hb in
            let h = hb.baseAddress!
            for b in 0..<batch {
                let base = h + b * t * c
                weights.classToken.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: c) }
                if cfg.registers > 0 {
                    weights.registers.withUnsafeBufferPointer { (base + c).update(from: $0.baseAddress!, count: cfg.registers * c) }
                }
                let rows = base + cfg.prefixTokens * c, src = conv + b * patches * c
                positions.withUnsafeBufferPointer { pos in
                    for i in 0..<patches * c { rows[i] = src[i] + pos[i] }
                }
            }
            if let norm = weights.preNorm {
                LayerNorm.forward(x: h, rows: batch * t, channels: c, gamma: norm.gamma, beta: norm.beta,
                                  eps: cfg.layerNormEps, y: h)
            }
        }
    }

    /// Runs blocks `range` in place on `scratch.hidden`; `boundary(k, h)` sees the [B·T, C] stream after block k
    /// (read it through `h`: `scratch.hidden` is being written).
    func runBlocks(_ range: Range<Int>, batch: Int, tokens t: Int, scratch s: Scratch,
                   boundary: (Int, UnsafeBufferPointer<Float>) -> Void) {
        let cfg = configuration, c = cfg.width, rows = batch * t, eps = cfg.layerNormEps
        s.hidden.withUnsafeMutableBufferPointer { hb in
        s.normed.withUnsafeMutableBufferPointer { nb in
        s.mlp.withUnsafeMutableBufferPointer { fb in
        s.mask.withUnsafeBufferPointer { mb in
            let h = hb.baseAddress!, n = nb.baseAddress!, f = fb.baseAddress!
            for k in range {
                let block = weights.blocks[k]
                switch block.projections {
                case let .blas(attention, fc1, fc2):
                    LayerNorm.forward(x: h, rows: rows, channels: c, gamma: block.norm1.gamma, beta: block.norm1.beta, eps: eps, y: n)
                    attention.forward(x: n, mask: mb.baseAddress!, batch: batch, length: t, workspace: &s.attention,
                                      y: h, accumulate: true)
                    LayerNorm.forward(x: h, rows: rows, channels: c, gamma: block.norm2.gamma, beta: block.norm2.beta, eps: eps, y: n)
                    Linear.forward(fc1, x: n, rows: rows, y: f)
                    switch cfg.activation {
                    case .gelu: GELU.forward(x: f, count: rows * cfg.mlpWidth, y: f)
                    case .quickGELU: QuickGELU.forward(x: f, count: rows * cfg.mlpWidth, y: f)
                    }
                    Linear.forward(fc2, x: f, rows: rows, y: h, accumulate: true)
                case let .panels(attention, fc1, fc2):
                    // The residual adds and GELU run in the GEMMs' tiles (`PanelLinear`); each LayerNorm runs by row
                    // chunks as the first phase of the next GEMM's dispatch (the same floats as `LayerNorm.forward`).
                    let units = (rows + ViTEncoder.normRows - 1) / ViTEncoder.normRows
                    func norm(_ p: ViTNorm) -> (Int) -> Void {
                        { u in
                            let r0 = u * ViTEncoder.normRows
                            LayerNorm.forwardRows(r0..<min(rows, r0 + ViTEncoder.normRows), x: h, channels: c, gamma: p.gamma,
                                                  beta: p.beta, eps: eps, y: n)
                        }
                    }
                    attention.forward(x: n, mask: mb.baseAddress!, batch: batch, length: t, workspace: &s.attention,
                                      y: h, accumulate: true, prologueUnits: units, prologue: norm(block.norm1))
                    fc1.forward(x: n, rows: rows, y: f, activation: cfg.activation == .gelu ? .gelu : .quickGELU,
                                prologueUnits: units, prologue: norm(block.norm2))
                    fc2.forward(x: f, rows: rows, y: h, accumulate: true)
                }
                boundary(k, UnsafeBufferPointer(start: h, count: rows * c))
            }
        }}}}
    }

    /// The final norm of every token of `scratch.hidden` into `scratch.normed`.
    func finalNorm(batch: Int, tokens t: Int, scratch s: Scratch) {
        let norm = weights.finalNorm, c = configuration.width
        s.hidden.withUnsafeBufferPointer { h in
            s.normed.withUnsafeMutableBufferPointer { n in
                LayerNorm.forward(x: h.baseAddress!, rows: batch * t, channels: c, gamma: norm.gamma, beta: norm.beta,
                                  eps: configuration.layerNormEps, y: n.baseAddress!)
            }
        }
    }

    /// From the normed tokens: the class tokens [B, C] and the pooled vectors [B, poolWidth].
    func heads(batch: Int, tokens t: Int, scratch s: Scratch) -> (cls: [Float], pool: [Float]) {
        let cfg = configuration, c = cfg.width, prefix = cfg.prefixTokens
        var cls = [Float](repeating: 0, count: batch * c)
        var mean = [Float](repeating: 0, count: batch * c)
        s.normed.withUnsafeBufferPointer { n in
            for b in 0..<batch {
                for i in 0..<c { cls[b * c + i] = n[b * t * c + i] }
                guard cfg.pooling != .classToken else { continue }
                // Σ over the patch tokens in Double, then one rounding (the patch count reaches 1,369 at 518²).
                var sum = [Double](repeating: 0, count: c)
                for r in prefix..<t { for i in 0..<c { sum[i] += Double(n[(b * t + r) * c + i]) } }
                for i in 0..<c { mean[b * c + i] = Float(sum[i] / Double(t - prefix)) }
            }
        }
        switch cfg.pooling {
        case .classToken:
            guard let projection = weights.projection else { return (cls, cls) }
            var out = [Float](repeating: 0, count: batch * projection.outFeatures)
            cls.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { y in
                Linear.forward(projection, x: x.baseAddress!, rows: batch, y: y.baseAddress!)
            } }
            return (cls, out)
        case .patchMean:
            return (cls, mean)
        case .classAndPatchMean:
            var out = [Float](repeating: 0, count: batch * 2 * c)
            for b in 0..<batch {
                for i in 0..<c { out[b * 2 * c + i] = cls[b * c + i]; out[b * 2 * c + c + i] = mean[b * c + i] }
            }
            return (cls, out)
        }
    }
}
