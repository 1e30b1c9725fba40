import ThawBackbones
import ThawKernels

/// One pre-norm vision-transformer block that trains (DINOv2, CLIP, DeiT): forward saves what backward
/// needs, backward accumulates every parameter gradient (not zeroed here). Keys and shapes are the
/// checkpoint's own (`ViTBlockTensors`: timm's fused qkv or Hugging Face's three projections).
///
///   n₁ = LN₁(x);  a = Attention(n₁);  x₁ = x + ls₁ ⊙ a;  n₂ = LN₂(x₁);  f = W₁·n₂ + b₁;  g = act(f);
///   m = W₂·g + b₂;  y = x₁ + ls₂ ⊙ m          (ls = 1 without LayerScale; act = GELU or QuickGELU)
public final class TrainableViTBlock {
    public let index: Int
    public let channels: Int, mlpWidth: Int, heads: Int
    public let eps: Float
    public let activation: ViTActivation
    public let norm1, norm2: (gamma: TrainableTensor, beta: TrainableTensor)     // [C], [C]
    /// One fused [3C, C] / [3C] (rows query, key, value) or three [C, C] / [C].
    public let qkv: [(weight: TrainableTensor, bias: TrainableTensor)]
    public let out: (weight: TrainableTensor, bias: TrainableTensor)             // [C, C], [C]
    public let fc1: (weight: TrainableTensor, bias: TrainableTensor)             // [I, C], [I]
    public let fc2: (weight: TrainableTensor, bias: TrainableTensor)             // [C, I], [C]
    public let layerScale1, layerScale2: TrainableTensor?                        // [C] (DINOv2)
    /// Attention buffers reused across calls (one forward, then its backward, at a time).
    let scratch: BertLayerScratch
    private var mask: [Int32] = []                                               // [B·T] all ones: images have no padding

    public struct Saved {
        let x: [Float]                          // [B·T, C] input (LN₁'s)
        let mean1: [Float], rstd1: [Float]      // [B·T]
        let n1: [Float]                         // [B·T, C] attention input
        let attention: SelfAttentionWorkspace   // q, k, v, probabilities, context of this forward
        let a: [Float]                          // [B·T, C] attention output (before ls₁)
        let x1: [Float]                         // [B·T, C] LN₂ input
        let mean2: [Float], rstd2: [Float]      // [B·T]
        let n2: [Float]                         // [B·T, C]
        let f: [Float], g: [Float]              // [B·T, I] before / after the activation
        let m: [Float]                          // [B·T, C] MLP output (before ls₂)
        let batch: Int, tokens: Int
    }

    public init(_ t: ViTBlockTensors, heads: Int, eps: Float, activation: ViTActivation) {
        func tensor(_ v: ViTTensor, decays: Bool = false) -> TrainableTensor {
            TrainableTensor(key: v.key, torchShape: v.shape, torchValue: v.values, decays: decays)
        }
        func linear(_ p: (weight: ViTTensor, bias: ViTTensor)) -> (weight: TrainableTensor, bias: TrainableTensor) {
            (tensor(p.weight, decays: true), tensor(p.bias))
        }
        func norm(_ p: (weight: ViTTensor, bias: ViTTensor)) -> (gamma: TrainableTensor, beta: TrainableTensor) {
            (tensor(p.weight), tensor(p.bias))
        }
        let c = t.norm1.weight.shape[0]
        precondition(heads > 0 && c % heads == 0, "TrainableViTBlock: \(heads) heads must divide \(c) channels")
        precondition(t.qkv.count == 1 || t.qkv.count == 3, "TrainableViTBlock: qkv is one fused or three projections")
        index = t.index
        channels = c; mlpWidth = t.fc1.weight.shape[0]; self.heads = heads; self.eps = eps; self.activation = activation
        norm1 = norm(t.norm1); norm2 = norm(t.norm2)
        qkv = t.qkv.map(linear); out = linear(t.out); fc1 = linear(t.fc1); fc2 = linear(t.fc2)
        layerScale1 = t.layerScale1.map { tensor($0) }; layerScale2 = t.layerScale2.map { tensor($0) }
        scratch = BertLayerScratch(channels: c, heads: heads)
    }

    /// Every tensor in checkpoint order.
    public var tensors: [TrainableTensor] {
        var out: [TrainableTensor] = [norm1.gamma, norm1.beta]
        for p in qkv { out += [p.weight, p.bias] }
        out += [self.out.weight, self.out.bias]
        if let layerScale1 { out.append(layerScale1) }
        out += [norm2.gamma, norm2.beta, fc1.weight, fc1.bias, fc2.weight, fc2.bias]
        if let layerScale2 { out.append(layerScale2) }
        return out
    }

    static func linear(_ t: (weight: TrainableTensor, bias: TrainableTensor)) -> LinearParameters {
        LinearParameters(weight: t.weight.value, bias: t.bias.value, inFeatures: t.weight.torchShape[1], outFeatures: t.weight.torchShape[0])
    }

    /// Query, key, value (sliced from the fused rows when fused) and the output projection.
    var attentionParameters: SelfAttentionParameters {
        let c = channels
        let parts: [LinearParameters]
        if qkv.count == 1 {
            let w = qkv[0].weight.value, b = qkv[0].bias.value
            parts = (0..<3).map { k in
                LinearParameters(weight: Array(w[(k * c * c)..<((k + 1) * c * c)]), bias: Array(b[(k * c)..<((k + 1) * c)]),
                                 inFeatures: c, outFeatures: c)
            }
        } else {
            parts = qkv.map(Self.linear)
        }
        return SelfAttentionParameters(query: parts[0], key: parts[1], value: parts[2], output: Self.linear(out), heads: heads)
    }

    /// y [B·T, C] of tokens x [B·T, C] (every token attends to every token).
    public func forward(_ x: [Float], batch: Int, tokens t: Int) -> (y: [Float], saved: Saved) {
        let c = channels, i = mlpWidth, rows = batch * t
        precondition(x.count == rows * c, "TrainableViTBlock: x must be [\(batch)·\(t), \(c)]")
        scratch.reserveForward(batch: batch, length: t)
        if mask.count < rows { mask = [Int32](repeating: 1, count: rows) }
        var (n1, mean1, rstd1) = layerNorm(x, norm1, rows: rows)
        var a = [Float](repeating: 0, count: rows * c)             // [B·T, C]
        let att = attentionParameters
        n1.withUnsafeMutableBufferPointer { nb in mask.withUnsafeBufferPointer { mb in a.withUnsafeMutableBufferPointer { ab in
            SelfAttention.forward(att, x: nb.baseAddress!, mask: mb.baseAddress!, batch: batch, length: t,
                                  workspace: &scratch.forward, y: ab.baseAddress!)
        }}}
        let x1 = residual(x, a, scale: layerScale1)
        let (n2, mean2, rstd2) = layerNorm(x1, norm2, rows: rows)
        var f = [Float](repeating: 0, count: rows * i)             // [B·T, I]
        var g = f
        var m = a                                                  // [B·T, C], overwritten
        let w1 = Self.linear(fc1), w2 = Self.linear(fc2)
        n2.withUnsafeBufferPointer { nb in f.withUnsafeMutableBufferPointer { fb in g.withUnsafeMutableBufferPointer { gb in
            Linear.forward(w1, x: nb.baseAddress!, rows: rows, y: fb.baseAddress!)
            switch activation {
            case .gelu: GELU.forward(x: fb.baseAddress!, count: rows * i, y: gb.baseAddress!)
            case .quickGELU: QuickGELU.forward(x: fb.baseAddress!, count: rows * i, y: gb.baseAddress!)
            }
        }}}
        g.withUnsafeBufferPointer { gb in m.withUnsafeMutableBufferPointer { mb in
            Linear.forward(w2, x: gb.baseAddress!, rows: rows, y: mb.baseAddress!)
        }}
        let y = residual(x1, m, scale: layerScale2)
        return (y, Saved(x: x, mean1: mean1, rstd1: rstd1, n1: n1, attention: scratch.forward, a: a, x1: x1,
                         mean2: mean2, rstd2: rstd2, n2: n2, f: f, g: g, m: m, batch: batch, tokens: t))
    }

    /// Accumulates every parameter gradient from dy [B·T, C]; returns dx [B·T, C], or [] without `inputGradient`.
    @discardableResult
    public func backward(_ dy: [Float], saved s: Saved, inputGradient: Bool = true) -> [Float] {
        let c = channels, i = mlpWidth, rows = s.batch * s.tokens
        precondition(dy.count == rows * c, "TrainableViTBlock.backward: dy must be [\(rows), \(c)]")
        // y = x₁ + ls₂ ⊙ m: dx₁ = dy (then + the MLP branch), dm = ls₂ ⊙ dy.
        var dx1 = dy                                               // [B·T, C]
        let dm = scaledGradient(dy, s.m, scale: layerScale2, rows: rows)
        var dg = [Float](repeating: 0, count: rows * i)            // d(act output), then d(f) in place [B·T, I]
        var dn2 = [Float](repeating: 0, count: rows * c)           // [B·T, C]
        let w1 = Self.linear(fc1), w2 = Self.linear(fc2)
        linearBackward(w2, x: s.g, dy: dm, rows: rows, dx: &dg, into: fc2)
        s.f.withUnsafeBufferPointer { fb in dg.withUnsafeMutableBufferPointer { db in
            switch activation {
            case .gelu: GELU.backward(x: fb.baseAddress!, dy: db.baseAddress!, count: rows * i, dx: db.baseAddress!)
            case .quickGELU: QuickGELU.backward(x: fb.baseAddress!, dy: db.baseAddress!, count: rows * i, dx: db.baseAddress!)
            }
        }}
        linearBackward(w1, x: s.n2, dy: dg, rows: rows, dx: &dn2, into: fc1)
        let dxn2 = layerNormBackward(x: s.x1, dy: dn2, mean: s.mean2, rstd: s.rstd2, norm: norm2, rows: rows)
        for j in dx1.indices { dx1[j] += dxn2[j] }
        // x₁ = x + ls₁ ⊙ a: da = ls₁ ⊙ dx₁.
        let da = scaledGradient(dx1, s.a, scale: layerScale1, rows: rows)
        scratch.prepareBackward(batch: s.batch, length: s.tokens)
        var dn1 = [Float](repeating: 0, count: rows * c)           // [B·T, C]
        let att = attentionParameters
        s.n1.withUnsafeBufferPointer { nb in da.withUnsafeBufferPointer { dab in dn1.withUnsafeMutableBufferPointer { db in
            SelfAttention.backward(att, x: nb.baseAddress!, dy: dab.baseAddress!, batch: s.batch, length: s.tokens,
                                   forward: s.attention, workspace: &scratch.backward, dx: db.baseAddress!,
                                   gradients: &scratch.gradients)
        }}}
        let grads = scratch.gradients
        addAttention(grads.query, part: 0, bias: true)
        // The key bias's gradient is exactly zero (q·b_k is the same for every key of a row, softmax ignores it);
        // float32 leaves ~1e-9 noise that Adam would turn into full-size steps, so it stays as loaded.
        addAttention(grads.key, part: 1, bias: false)
        addAttention(grads.value, part: 2, bias: true)
        add(grads.output.weight, to: out.weight); add(grads.output.bias, to: out.bias)
        let dxn1 = layerNormBackward(x: s.x, dy: dn1, mean: s.mean1, rstd: s.rstd1, norm: norm1, rows: rows)   // LN₁'s γ, β need it
        guard inputGradient else { return [] }
        for j in dx1.indices { dx1[j] += dxn1[j] }                 // the residual x → x₁
        return dx1
    }
}
