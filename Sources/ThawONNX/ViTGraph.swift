import ThawBackbones

/// A vision transformer as ONNX, the same computation as `ThawBackbones.ViT` for S×S inputs: pixels NHWC →
/// patch Conv (kernel = stride = p) → tokens [N, P, C] + positions (resampled for this size) → prefix tokens
/// (class ⊕ registers) in front → CLIP's ln_pre; per block h += ls₁ ⊙ Attention(LN₁(h)), h += ls₂ ⊙
/// FC₂(act(FC₁(LN₂(h)))) with erf GELU or QuickGELU (x · σ(1.702x)); final norm; `cls`, `pool` (class token,
/// patch mean or both; CLIP's projection) and a fine-tuned export's `fc`.
enum ViTGraph {
    static func build(_ g: ONNXGraphBuilder, vit: ViT, weights: String, imageSize s: Int, pixels: String, cut: String) throws -> GraphTap {
        let cfg = vit.configuration, c = cfg.width, heads = cfg.heads, d = c / heads
        let names = vit.cutPoints.map(\.name)
        let end = try cutIndex(cut, in: names, model: "\(vit.name) (\(weights))")
        let e = vit.embeddingTensors(height: s, width: s)
        let patches = e.grid.rows * e.grid.columns, prefix = cfg.prefixTokens
        let nchw = g.transpose(pixels, [0, 3, 1, 2], "pixels_nchw")
        let conv = g.conv(nchw, weight: e.patchWeight, bias: e.patchBias ?? [Float](repeating: 0, count: c), outChannels: c,
                          inPerGroup: 3, kernel: cfg.patch, stride: cfg.patch, pads: (0, 0, 0, 0), name: "patch_embed")
        let rows = g.transpose(g.reshape(conv, [0, c, patches], "patches_ncp"), [0, 2, 1], "patches")          // [N, P, C]
        let placed = g.add(rows, g.weight("positions", e.positions, [patches, c]), "patches_positioned")
        // The prefix [1, 1+R, C] repeated over the batch: Expand to [N, 1+R, C] from the input's N.
        let batch = g.op("Slice", [g.op("Shape", [pixels], "pixels_shape"), g.int64s("zero", [0]), g.int64s("one", [1])], "batch")
        let prefixShape = g.concat([batch, g.int64s("prefix_tc", [prefix, c])], axis: 0, "prefix_shape")
        let prefixRows = g.op("Expand", [g.weight("prefix", e.prefix, [1, prefix, c]), prefixShape], "prefix_rows")
        var h = g.concat([prefixRows, placed], axis: 1, "tokens")                                                 // [N, T, C]
        if let pre = e.preNorm { h = g.layerNorm(h, gamma: pre.gamma, beta: pre.beta, eps: cfg.layerNormEps, name: "norm_pre") }
        if end == 0 { return GraphTap(value: h, layout: .tokens(channels: c)) }
        let lastBlock = min(end, cfg.depth)                                                                       // blocks 0..<lastBlock
        let top = try vit.topTensors(path: weights, first: 0)
        let scale = g.scalar(1 / Float(d).squareRoot())
        for b in top.blocks.prefix(lastBlock) {
            let p = "blocks.\(b.index)."
            func linear(_ x: String, _ t: (weight: ViTTensor, bias: ViTTensor), _ name: String) -> String {
                g.linear(x, weight: t.weight.values, bias: t.bias.values, out: t.weight.shape[0], in: t.weight.shape[1], name: p + name)
            }
            func scaled(_ x: String, _ ls: ViTTensor?, _ name: String) -> String {
                ls.map { g.mul(x, g.weight(p + name + ".gamma", $0.values, [c]), p + name) } ?? x
            }
            let n1 = g.layerNorm(h, gamma: b.norm1.weight.values, beta: b.norm1.bias.values, eps: cfg.layerNormEps, name: p + "norm1")
            let qkv: [String]
            if b.qkv.count == 1 {
                let fused = linear(n1, b.qkv[0], "attn.qkv")                                                        // [N, T, 3C]
                qkv = (0..<3).map { k in
                    g.op("Slice", [fused, g.int64s(p + "qkv\(k)_start", [k * c]), g.int64s(p + "qkv\(k)_end", [(k + 1) * c]),
                                   g.int64s(p + "qkv\(k)_axis", [2])], p + "qkv\(k)")
                }
            } else {
                qkv = zip(b.qkv, ["q", "k", "v"]).map { linear(n1, $0.0, "attn." + $0.1) }
            }
            let qh = g.transpose(g.reshape(qkv[0], [0, 0, heads, d], p + "q_heads"), [0, 2, 1, 3], p + "q_nhtd")
            let kt = g.transpose(g.reshape(qkv[1], [0, 0, heads, d], p + "k_heads"), [0, 2, 3, 1], p + "k_nhdt")
            let vh = g.transpose(g.reshape(qkv[2], [0, 0, heads, d], p + "v_heads"), [0, 2, 1, 3], p + "v_nhtd")
            let probs = g.softmax(g.mul(g.op("MatMul", [qh, kt], p + "scores_raw"), scale, p + "scores"), axis: -1, p + "attention_probs")
            let ctx = g.reshape(g.transpose(g.op("MatMul", [probs, vh], p + "context_heads"), [0, 2, 1, 3], p + "context_nthd"),
                                [0, 0, c], p + "context")
            h = g.add(h, scaled(linear(ctx, b.out, "attn.proj"), b.layerScale1, "ls1"), p + "attention_residual")
            let n2 = g.layerNorm(h, gamma: b.norm2.weight.values, beta: b.norm2.bias.values, eps: cfg.layerNormEps, name: p + "norm2")
            var f = linear(n2, b.fc1, "mlp.fc1")
            switch cfg.activation {
            case .gelu: f = g.gelu(f, p + "mlp/gelu")
            case .quickGELU: f = g.mul(f, g.op("Sigmoid", [g.mul(f, g.scalar(1.702), p + "mlp/scaled")], p + "mlp/sigmoid"), p + "mlp/quick_gelu")
            }
            h = g.add(h, scaled(linear(f, b.fc2, "mlp.fc2"), b.layerScale2, "ls2"), p + "mlp_residual")
        }
        if end <= cfg.depth { return GraphTap(value: h, layout: .tokens(channels: c)) }
        let normed = g.layerNorm(h, gamma: top.finalNorm.weight.values, beta: top.finalNorm.bias.values, eps: cfg.layerNormEps, name: "norm")
        let cls = g.op("Gather", [normed, g.int64s("cls_index", [0], dims: [])], "cls", ("axis", .int(1)))         // [N, C]
        if end == cfg.depth + 1 { return GraphTap(value: cls, layout: .vector(channels: c)) }
        let patchRows = g.op("Slice", [normed, g.int64s("patch_start", [prefix]), g.int64s("patch_end", [Int(Int32.max)]),
                                       g.int64s("patch_axis", [1])], "patch_tokens")
        let mean = g.reduce("ReduceMean", patchRows, axes: [1], keepDims: false, "patch_mean")                       // [N, C]
        var pool: String
        switch cfg.pooling {
        case .classToken:
            if let proj = top.projection {
                pool = g.gemm(cls, weight: proj.weight.values, bias: proj.bias?.values ?? [Float](repeating: 0, count: proj.weight.shape[0]),
                              out: proj.weight.shape[0], in: c, name: "projection")
            } else {
                pool = cls
            }
        case .patchMean: pool = mean
        case .classAndPatchMean: pool = g.concat([cls, mean], axis: 1, "pool")
        }
        if end == cfg.depth + 2 { return GraphTap(value: pool, layout: .vector(channels: cfg.poolWidth)) }
        guard let fc = vit.classifierTensors, let k = cfg.classes else {
            throw ONNXError("\(weights): no classifier (fc) to export", fix: "export a fine-tuned ViT (`thaw finetune --export`)")
        }
        return GraphTap(value: g.gemm(pool, weight: fc.weight, bias: fc.bias, out: k, in: cfg.poolWidth, name: "fc"),
                        layout: .vector(channels: k))
    }
}
