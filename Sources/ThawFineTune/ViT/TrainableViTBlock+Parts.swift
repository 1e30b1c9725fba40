import ThawKernels

/// The pieces `TrainableViTBlock` runs: LayerNorm with saved statistics, the LayerScale residual and
/// its gradient, and gradient accumulation into the checkpoint's tensors (fused qkv rows included).
extension TrainableViTBlock {
    /// y = LN(x) [rows, C] with its mean and 1/σ [rows].
    func layerNorm(_ x: [Float], _ norm: (gamma: TrainableTensor, beta: TrainableTensor), rows: Int)
        -> (y: [Float], mean: [Float], rstd: [Float]) {
        var y = [Float](repeating: 0, count: rows * channels), mean = [Float](repeating: 0, count: rows), rstd = mean
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
            mean.withUnsafeMutableBufferPointer { mb in rstd.withUnsafeMutableBufferPointer { rb in
                LayerNorm.forward(x: xb.baseAddress!, rows: rows, channels: channels, gamma: norm.gamma.value, beta: norm.beta.value,
                                  eps: eps, y: yb.baseAddress!, mean: mb.baseAddress!, rstd: rb.baseAddress!)
            }}
        }}
        return (y, mean, rstd)
    }

    /// dx [rows, C] of LN; accumulates dγ, dβ.
    func layerNormBackward(x: [Float], dy: [Float], mean: [Float], rstd: [Float],
                           norm: (gamma: TrainableTensor, beta: TrainableTensor), rows: Int) -> [Float] {
        var dx = [Float](repeating: 0, count: rows * channels)
        x.withUnsafeBufferPointer { xb in dy.withUnsafeBufferPointer { dyb in
            mean.withUnsafeBufferPointer { mb in rstd.withUnsafeBufferPointer { rb in dx.withUnsafeMutableBufferPointer { dxb in
                norm.gamma.grad.withUnsafeMutableBufferPointer { dg in norm.beta.grad.withUnsafeMutableBufferPointer { db in
                    LayerNorm.backward(x: xb.baseAddress!, dy: dyb.baseAddress!, rows: rows, channels: channels,
                                       gamma: norm.gamma.value, mean: mb.baseAddress!, rstd: rb.baseAddress!,
                                       dx: dxb.baseAddress!, dGamma: dg.baseAddress!, dBeta: db.baseAddress!)
                }}
            }}}
        }}
        return dx
    }

    /// x + ls ⊙ branch, per channel (x + branch without LayerScale).
    func residual(_ x: [Float], _ branch: [Float], scale: TrainableTensor?) -> [Float] {
        var y = x
        let c = channels
        if let ls = scale?.value {
            for j in y.indices { y[j] += ls[j % c] * branch[j] }
        } else {
            for j in y.indices { y[j] += branch[j] }
        }
        return y
    }

    /// d(branch) = ls ⊙ dy for `y = … + ls ⊙ branch`; accumulates dls = Σ_rows dy ⊙ branch (dy itself without LayerScale).
    func scaledGradient(_ dy: [Float], _ branch: [Float], scale: TrainableTensor?, rows: Int) -> [Float] {
        guard let ls = scale else { return dy }
        let c = channels
        var d = dy
        var dls = [Double](repeating: 0, count: c)                 // Σ over B·T rows in Double
        for r in 0..<rows {
            for j in 0..<c {
                let o = r * c + j
                dls[j] += Double(dy[o]) * Double(branch[o])
                d[o] = dy[o] * ls.value[j]
            }
        }
        for j in 0..<c { ls.grad[j] += Float(dls[j]) }
        return d
    }

    /// Linear backward: dx overwritten, dW and db accumulated into `t`.
    func linearBackward(_ p: LinearParameters, x: [Float], dy: [Float], rows: Int, dx: inout [Float],
                        into t: (weight: TrainableTensor, bias: TrainableTensor)) {
        x.withUnsafeBufferPointer { xb in dy.withUnsafeBufferPointer { db in dx.withUnsafeMutableBufferPointer { ob in
            t.weight.grad.withUnsafeMutableBufferPointer { dw in t.bias.grad.withUnsafeMutableBufferPointer { dbias in
                Linear.backward(p, x: xb.baseAddress!, dy: db.baseAddress!, rows: rows, dx: ob.baseAddress!,
                                dWeight: dw.baseAddress!, dBias: dbias.baseAddress!)
            }}
        }}}
    }

    /// Adds query (0), key (1) or value (2) gradients [C, C] / [C] to their tensor, or to their rows of the fused qkv.
    func addAttention(_ g: LinearGradients, part k: Int, bias: Bool) {
        let c = channels
        let (target, w0, b0) = qkv.count == 1 ? (qkv[0], k * c * c, k * c) : (qkv[k], 0, 0)
        for j in g.weight.indices { target.weight.grad[w0 + j] += g.weight[j] }
        if bias { for j in g.bias.indices { target.bias.grad[b0 + j] += g.bias[j] } }
    }

    func add(_ g: [Float], to t: TrainableTensor) {
        for j in g.indices { t.grad[j] += g[j] }
    }
}
