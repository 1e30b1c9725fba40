import ThawKernels
import ThawTraining

/// LayerNorm over each head's H features of a [B, K·H] activation (torch semantics, biased
/// variance), computed by ThawKernels' `LayerNorm` one head at a time: head k's B rows (stride K·H)
/// are gathered into a contiguous [B, H] block, normalised with its γ/β, and scattered back.
public final class StackedLayerNorm {
    public let heads: Int
    public let features: Int
    public let eps: Float
    public let gamma: Parameter   // [K·H], starts at 1
    public let beta: Parameter    // [K·H], starts at 0
    /// Gather buffers, grown to the largest batch seen: x, y (or dy, dx) [B, H]; mean, rstd [B].
    private var blockA: [Float] = [], blockB: [Float] = [], blockC: [Float] = [], rowsA: [Float] = [], rowsB: [Float] = []

    public init(name: String, heads: Int, features: Int, eps: Float = 1e-5) {
        self.heads = heads
        self.features = features
        self.eps = eps
        gamma = Parameter(name: name + ".weight", heads: heads, perHead: features, decays: false, fill: 1)
        beta = Parameter(name: name + ".bias", heads: heads, perHead: features, decays: false)
    }

    private func reserve(batch: Int) {
        guard blockA.count < batch * features else { return }
        blockA = [Float](repeating: 0, count: batch * features); blockB = blockA; blockC = blockA
        rowsA = [Float](repeating: 0, count: batch); rowsB = rowsA
    }

    /// Copies head k's rows of `src` [B, K·H] into `dst` [B, H] (`toStacked` false) or back.
    private func move(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, head k: Int, batch: Int, toStacked: Bool) {
        let h = features, ld = heads * h
        for b in 0..<batch {
            if toStacked { (dst + b * ld + k * h).update(from: src + b * h, count: h) }
            else { (dst + b * h).update(from: src + b * ld + k * h, count: h) }
        }
    }

    /// y = γ·x̂ + β; saves mean and rstd [B·K] (row b·K + k) for backward.
    public func forward(x: UnsafePointer<Float>, batch: Int, y: UnsafeMutablePointer<Float>,
                        mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        let h = features
        if heads == 1 {
            gamma.value.withUnsafeBufferPointer { g in beta.value.withUnsafeBufferPointer { bt in
                LayerNorm.forward(x: x, rows: batch, channels: h, gamma: g.baseAddress!, beta: bt.baseAddress!, eps: eps,
                                  y: y, mean: mean, rstd: rstd)
            }}
            return
        }
        reserve(batch: batch)
        gamma.value.withUnsafeBufferPointer { g in beta.value.withUnsafeBufferPointer { bt in
        blockA.withUnsafeMutableBufferPointer { xs in blockB.withUnsafeMutableBufferPointer { ys in
        rowsA.withUnsafeMutableBufferPointer { ms in rowsB.withUnsafeMutableBufferPointer { rs in
            for k in 0..<heads {
                move(x, xs.baseAddress!, head: k, batch: batch, toStacked: false)
                LayerNorm.forward(x: xs.baseAddress!, rows: batch, channels: h, gamma: g.baseAddress! + k * h,
                                  beta: bt.baseAddress! + k * h, eps: eps, y: ys.baseAddress!, mean: ms.baseAddress!,
                                  rstd: rs.baseAddress!)
                move(ys.baseAddress!, y, head: k, batch: batch, toStacked: true)
                for b in 0..<batch { mean[b * heads + k] = ms[b]; rstd[b * heads + k] = rs[b] }
            }
        }}}}}}
    }

    /// Accumulates dγ, dβ; writes dx (overwrites; must not alias dy).
    public func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int,
                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let h = features
        if heads == 1 {
            gamma.value.withUnsafeBufferPointer { g in gamma.grad.withUnsafeMutableBufferPointer { dg in
            beta.grad.withUnsafeMutableBufferPointer { db in
                LayerNorm.backward(x: x, dy: dy, rows: batch, channels: h, gamma: g.baseAddress!, mean: mean, rstd: rstd,
                                   dx: dx, dGamma: dg.baseAddress!, dBeta: db.baseAddress!)
            }}}
            return
        }
        reserve(batch: batch)
        gamma.value.withUnsafeBufferPointer { g in gamma.grad.withUnsafeMutableBufferPointer { dg in
        beta.grad.withUnsafeMutableBufferPointer { db in
        blockA.withUnsafeMutableBufferPointer { dys in blockB.withUnsafeMutableBufferPointer { dxs in
        rowsA.withUnsafeMutableBufferPointer { ms in rowsB.withUnsafeMutableBufferPointer { rs in
        blockC.withUnsafeMutableBufferPointer { xsp in
            for k in 0..<heads {
                move(x, xsp.baseAddress!, head: k, batch: batch, toStacked: false)
                move(dy, dys.baseAddress!, head: k, batch: batch, toStacked: false)
                for b in 0..<batch { ms[b] = mean[b * heads + k]; rs[b] = rstd[b * heads + k] }
                LayerNorm.backward(x: xsp.baseAddress!, dy: dys.baseAddress!, rows: batch, channels: h,
                                   gamma: g.baseAddress! + k * h, mean: ms.baseAddress!, rstd: rs.baseAddress!,
                                   dx: dxs.baseAddress!, dGamma: dg.baseAddress! + k * h, dBeta: db.baseAddress! + k * h)
                move(dxs.baseAddress!, dx, head: k, batch: batch, toStacked: true)
            }
        }}}}}}}}
    }
}
