import ThawBackbones
import ThawKernels

/// One post-LayerNorm BERT encoder layer that trains: forward saves what backward needs,
/// backward accumulates every parameter gradient. Keys are Hugging Face's for the flavor
/// (`EncoderFlavor.layerKeys`: BERT `encoder.layer.N.attention.self.query.weight`, MPNet
/// `encoder.layer.N.attention.attn.q.weight`, …), values [out, in] as PyTorch stores them.
///
///   a = x + SelfAttention(x [+ score bias]);   h = LN₁(a);   f = W₁·h + b₁;   b = h + W₂·GELU(f) + b₂;   y = LN₂(b)
///
/// MPNet's relative position bias [H, T, T] enters the scores (`forward(bias:)`); its gradient
/// comes back through `backward(dBias:)`. The table it is gathered from belongs to the model
/// (`BertFineTuneModel`), since every layer shares it.
public final class TrainableBertLayer {
    public let prefix: String          // "encoder.layer.5."
    public let channels: Int, intermediate: Int, heads: Int
    public let eps: Float
    public let query, key, value, attentionOut: (weight: TrainableTensor, bias: TrainableTensor)   // [C, C], [C]
    public let attentionNorm: (gamma: TrainableTensor, beta: TrainableTensor)                      // [C], [C]
    public let intermediateDense: (weight: TrainableTensor, bias: TrainableTensor)                 // [I, C], [I]
    public let outputDense: (weight: TrainableTensor, bias: TrainableTensor)                       // [C, I], [C]
    public let outputNorm: (gamma: TrainableTensor, beta: TrainableTensor)                         // [C], [C]
    /// Attention buffers reused across calls (one forward, then its backward, at a time).
    let scratch: BertLayerScratch

    /// What one forward keeps for its backward.
    public struct Saved {
        let x: [Float]                          // [B·T, C] input
        let attention: SelfAttentionWorkspace   // q, k, v, probabilities, context of this forward
        let a: [Float]                          // [B·T, C] x + attention (LN₁ input)
        let mean1: [Float], rstd1: [Float]      // [B·T]
        let h: [Float]                          // [B·T, C] LN₁ output
        let f: [Float]                          // [B·T, I] before GELU
        let g: [Float]                          // [B·T, I] after GELU
        let b: [Float]                          // [B·T, C] LN₂ input
        let mean2: [Float], rstd2: [Float]      // [B·T]
        let batch: Int, length: Int
    }

    /// `parameter(key, shape)` returns PyTorch-ordered values of the full key (prefix included);
    /// `flavor` names the keys.
    public init(index n: Int, channels c: Int, intermediate i: Int, heads: Int, eps: Float, flavor: EncoderFlavor = .bert,
                parameter: (String, [Int]) throws -> [Float]) rethrows {
        precondition(heads > 0 && c % heads == 0, "TrainableBertLayer: \(heads) heads must divide \(c) channels")
        prefix = "encoder.layer.\(n)."
        channels = c; intermediate = i; self.heads = heads; self.eps = eps
        scratch = BertLayerScratch(channels: c, heads: heads)
        let k = flavor.layerKeys(n)   // full keys, "encoder.layer.N." included
        func linear(_ name: String, out: Int, in inF: Int) throws -> (weight: TrainableTensor, bias: TrainableTensor) {
            (TrainableTensor(key: name + ".weight", torchShape: [out, inF], torchValue: try parameter(name + ".weight", [out, inF]), decays: true),
             TrainableTensor(key: name + ".bias", torchShape: [out], torchValue: try parameter(name + ".bias", [out])))
        }
        func norm(_ name: String) throws -> (gamma: TrainableTensor, beta: TrainableTensor) {
            (TrainableTensor(key: name + ".weight", torchShape: [c], torchValue: try parameter(name + ".weight", [c])),
             TrainableTensor(key: name + ".bias", torchShape: [c], torchValue: try parameter(name + ".bias", [c])))
        }
        query = try linear(k.query, out: c, in: c)
        key = try linear(k.key, out: c, in: c)
        value = try linear(k.value, out: c, in: c)
        attentionOut = try linear(k.attentionOutput, out: c, in: c)
        attentionNorm = try norm(k.attentionNorm)
        intermediateDense = try linear(k.intermediate, out: i, in: c)
        outputDense = try linear(k.output, out: c, in: i)
        outputNorm = try norm(k.outputNorm)
    }

    /// Every tensor in checkpoint order.
    public var tensors: [TrainableTensor] {
        [query.weight, query.bias, key.weight, key.bias, value.weight, value.bias, attentionOut.weight, attentionOut.bias,
         attentionNorm.gamma, attentionNorm.beta, intermediateDense.weight, intermediateDense.bias,
         outputDense.weight, outputDense.bias, outputNorm.gamma, outputNorm.beta]
    }

    static func linear(_ t: (weight: TrainableTensor, bias: TrainableTensor)) -> LinearParameters {
        LinearParameters(weight: t.weight.value, bias: t.bias.value, inFeatures: t.weight.torchShape[1], outFeatures: t.weight.torchShape[0])
    }

    var attentionParameters: SelfAttentionParameters {
        SelfAttentionParameters(query: Self.linear(query), key: Self.linear(key), value: Self.linear(value),
                                output: Self.linear(attentionOut), heads: heads)
    }

    /// y [B·T, C] of hidden states x [B·T, C]; mask [B·T], 1 = token, 0 = padding (keys only:
    /// padded query rows are computed and must be ignored downstream, e.g. by masked pooling).
    /// `bias`: nil, or [H, T, T] added to every batch item's scaled scores (MPNet's relative positions).
    public func forward(_ x: [Float], mask: [Int32], batch: Int, length: Int, bias: [Float]? = nil) -> (y: [Float], saved: Saved) {
        let c = channels, i = intermediate, rows = batch * length
        precondition(x.count == rows * c && mask.count == rows, "TrainableBertLayer: x must be [\(batch)·\(length), \(c)], mask [\(batch)·\(length)]")
        precondition(bias.map { $0.count == heads * length * length } ?? true, "TrainableBertLayer: bias must be [\(heads), \(length), \(length)]")
        scratch.reserveForward(batch: batch, length: length)
        var a = x                                                  // [B·T, C]
        var mean1 = [Float](repeating: 0, count: rows), rstd1 = mean1, mean2 = mean1, rstd2 = mean1
        var h = [Float](repeating: 0, count: rows * c)             // [B·T, C]
        var f = [Float](repeating: 0, count: rows * i)             // [B·T, I]
        var g = f                                                  // [B·T, I]
        var y = h                                                  // [B·T, C]
        let att = attentionParameters, w1 = Self.linear(intermediateDense), w2 = Self.linear(outputDense)
        x.withUnsafeBufferPointer { xb in mask.withUnsafeBufferPointer { mb in a.withUnsafeMutableBufferPointer { ab in
        (bias ?? []).withUnsafeBufferPointer { biasb in
            SelfAttention.forward(att, x: xb.baseAddress!, mask: mb.baseAddress!, batch: batch, length: length,
                                  workspace: &scratch.forward, y: ab.baseAddress!, accumulate: true,
                                  bias: bias == nil ? nil : biasb.baseAddress!)
        }}}}
        a.withUnsafeBufferPointer { ab in h.withUnsafeMutableBufferPointer { hb in
            mean1.withUnsafeMutableBufferPointer { mb in rstd1.withUnsafeMutableBufferPointer { rb in
                LayerNorm.forward(x: ab.baseAddress!, rows: rows, channels: c, gamma: attentionNorm.gamma.value,
                                  beta: attentionNorm.beta.value, eps: eps, y: hb.baseAddress!, mean: mb.baseAddress!, rstd: rb.baseAddress!)
            }}
        }}
        h.withUnsafeBufferPointer { hb in f.withUnsafeMutableBufferPointer { fb in g.withUnsafeMutableBufferPointer { gb in
            Linear.forward(w1, x: hb.baseAddress!, rows: rows, y: fb.baseAddress!)
            GELU.forward(x: fb.baseAddress!, count: rows * i, y: gb.baseAddress!)
        }}}
        var b = h                                                  // residual, then += W₂·g + b₂
        g.withUnsafeBufferPointer { gb in b.withUnsafeMutableBufferPointer { bb in
            Linear.forward(w2, x: gb.baseAddress!, rows: rows, y: bb.baseAddress!, accumulate: true)
        }}
        b.withUnsafeBufferPointer { bb in y.withUnsafeMutableBufferPointer { yb in
            mean2.withUnsafeMutableBufferPointer { mb in rstd2.withUnsafeMutableBufferPointer { rb in
                LayerNorm.forward(x: bb.baseAddress!, rows: rows, channels: c, gamma: outputNorm.gamma.value,
                                  beta: outputNorm.beta.value, eps: eps, y: yb.baseAddress!, mean: mb.baseAddress!, rstd: rb.baseAddress!)
            }}
        }}
        return (y, Saved(x: x, attention: scratch.forward, a: a, mean1: mean1, rstd1: rstd1, h: h, f: f, g: g, b: b,
                         mean2: mean2, rstd2: rstd2, batch: batch, length: length))
    }

    /// Accumulates every parameter gradient from dy [B·T, C]; returns dx [B·T, C]
    /// (or [] without `inputGradient`: the attention's input gradient is then skipped).
    /// `dBias`: nil, or [H, T, T] accumulated (+=) with the gradient of the forward's score bias
    /// (summed over the batch items).
    @discardableResult
    public func backward(_ dy: [Float], saved s: Saved, inputGradient: Bool = true,
                         dBias: UnsafeMutablePointer<Float>? = nil) -> [Float] {
        let c = channels, i = intermediate, rows = s.batch * s.length
        precondition(dy.count == rows * c, "TrainableBertLayer.backward: dy must be [\(rows), \(c)]")
        var db = [Float](repeating: 0, count: rows * c)            // d(LN₂ input) [B·T, C]
        var dg = [Float](repeating: 0, count: rows * i)            // d(GELU output), then d(f) in place [B·T, I]
        var dh = [Float](repeating: 0, count: rows * c)            // d(LN₁ output) [B·T, C]
        let w1 = Self.linear(intermediateDense), w2 = Self.linear(outputDense)
        layerNormBackward(x: s.b, dy: dy, mean: s.mean2, rstd: s.rstd2, norm: outputNorm, rows: rows, into: &db)
        s.g.withUnsafeBufferPointer { gb in db.withUnsafeBufferPointer { dbb in dg.withUnsafeMutableBufferPointer { dgb in
            outputDense.weight.grad.withUnsafeMutableBufferPointer { dw in outputDense.bias.grad.withUnsafeMutableBufferPointer { dbias in
                Linear.backward(w2, x: gb.baseAddress!, dy: dbb.baseAddress!, rows: rows, dx: dgb.baseAddress!,
                                dWeight: dw.baseAddress!, dBias: dbias.baseAddress!)
            }}
        }}}
        s.f.withUnsafeBufferPointer { fb in dg.withUnsafeMutableBufferPointer { dgb in
            GELU.backward(x: fb.baseAddress!, dy: dgb.baseAddress!, count: rows * i, dx: dgb.baseAddress!)
        }}
        dh = db   // residual branch of b = h + …
        s.h.withUnsafeBufferPointer { hb in dg.withUnsafeBufferPointer { dfb in dh.withUnsafeMutableBufferPointer { dhb in
            intermediateDense.weight.grad.withUnsafeMutableBufferPointer { dw in intermediateDense.bias.grad.withUnsafeMutableBufferPointer { dbias in
                Linear.backward(w1, x: hb.baseAddress!, dy: dfb.baseAddress!, rows: rows, dx: dhb.baseAddress!, accumulateInput: true,
                                dWeight: dw.baseAddress!, dBias: dbias.baseAddress!)
            }}
        }}}
        var da = [Float](repeating: 0, count: rows * c)            // d(x + attention) [B·T, C]
        layerNormBackward(x: s.a, dy: dh, mean: s.mean1, rstd: s.rstd1, norm: attentionNorm, rows: rows, into: &da)
        scratch.prepareBackward(batch: s.batch, length: s.length)
        var dx = inputGradient ? [Float](repeating: 0, count: rows * c) : []
        let att = attentionParameters
        s.x.withUnsafeBufferPointer { xb in da.withUnsafeBufferPointer { dab in dx.withUnsafeMutableBufferPointer { dxb in
            SelfAttention.backward(att, x: xb.baseAddress!, dy: dab.baseAddress!, batch: s.batch, length: s.length,
                                   forward: s.attention, workspace: &scratch.backward, dx: inputGradient ? dxb.baseAddress! : nil,
                                   gradients: &scratch.gradients, dBias: dBias)
        }}}
        let grads = scratch.gradients
        add(grads.query, to: query); add(grads.value, to: value); add(grads.output, to: attentionOut)
        // The key bias gets only the weight: its gradient is exactly zero (it adds q·b to every
        // score of a row, which softmax ignores); float32 leaves ~1e-9 noise there that Adam
        // would turn into full-size steps. So it stays as loaded, as in exact arithmetic.
        for j in grads.key.weight.indices { key.weight.grad[j] += grads.key.weight[j] }
        guard inputGradient else { return [] }
        for j in dx.indices { dx[j] += da[j] }   // the residual x → a
        return dx
    }

    private func add(_ g: LinearGradients, to t: (weight: TrainableTensor, bias: TrainableTensor)) {
        for j in g.weight.indices { t.weight.grad[j] += g.weight[j] }
        for j in g.bias.indices { t.bias.grad[j] += g.bias[j] }
    }

    private func layerNormBackward(x: [Float], dy: [Float], mean: [Float], rstd: [Float],
                                   norm: (gamma: TrainableTensor, beta: TrainableTensor), rows: Int, into dx: inout [Float]) {
        x.withUnsafeBufferPointer { xb in dy.withUnsafeBufferPointer { dyb in
            mean.withUnsafeBufferPointer { mb in rstd.withUnsafeBufferPointer { rb in dx.withUnsafeMutableBufferPointer { dxb in
                norm.gamma.grad.withUnsafeMutableBufferPointer { dgam in norm.beta.grad.withUnsafeMutableBufferPointer { dbet in
                    LayerNorm.backward(x: xb.baseAddress!, dy: dyb.baseAddress!, rows: rows, channels: channels,
                                       gamma: norm.gamma.value, mean: mb.baseAddress!, rstd: rb.baseAddress!,
                                       dx: dxb.baseAddress!, dGamma: dgam.baseAddress!, dBeta: dbet.baseAddress!)
                }}
            }}}
        }}
    }
}
