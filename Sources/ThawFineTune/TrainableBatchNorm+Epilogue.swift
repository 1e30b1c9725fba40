import ThawKernels

/// Frozen BatchNorm as the epilogue of the 1×1 convolution that feeds it (`TrainingKernels.fusedEpilogues`,
/// `BatchNormTiles`): where it applies, forward writes conv output and BN output in one pass over each GEMM
/// piece, and the backward after the next convolution's input gradient runs on its pieces.
extension TrainableBatchNorm {
    /// Whether BN may run as an epilogue of `kernel` (nil: the OpenBLAS path, which has no epilogues) in `mode`.
    static func fusesInto(_ kernel: TrainingPointwise?, mode: BatchNormMode) -> Bool {
        guard kernel != nil, TrainingKernels.fusedEpilogues, case .running = mode else { return false }
        return true
    }

    /// e [rows, C] = x · W with y = act(BN(e)) (+ residual) written piece by piece; frozen BN only
    /// (`fusesInto`). `y` must not be `e` (backward reads e); `residual` is [rows, C] or nil.
    func forwardFused(_ kernel: TrainingPointwise, _ x: UnsafePointer<Float>, rows: Int, conv e: UnsafeMutablePointer<Float>,
                      into y: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?) -> Saved {
        let (scale, shift) = frozen.scaleShift()
        let c = channels, high: Float = relu6 ? 6 : .infinity, low: Float = relu6 ? 0 : -.infinity
        scale.withUnsafeBufferPointer { sb in shift.withUnsafeBufferPointer { hb in
            let s = sb.baseAddress!, h = hb.baseAddress!
            kernel.forward(x, rows: rows, into: e) { _, r, cols in
                let o = r.lowerBound * c + cols.lowerBound
                BatchNormTiles.frozenForward(x: e + o, y: y + o, residual: residual.map { $0 + o }, ld: c, rows: r.count,
                                             cols: cols.count, scale: s + cols.lowerBound, shift: h + cols.lowerBound,
                                             low: low, high: high)
            }
        }}
        return Saved(mean: nil, invstd: nil)
    }

    /// The frozen backward (mask from `y` with ReLU6, dγ/dβ accumulated) of the map [rows, C] that `kernel`'s
    /// input gradient writes into `dx` from `dy` [rows, kernel's Cout]: dx ends as the gradient of BN's input x.
    func backwardFused(_ kernel: TrainingPointwise, inputGradientOf dy: UnsafePointer<Float>, rows: Int,
                       x: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let c = channels
        let invstd = runningVar.value.map { Float(1 / (Double($0) + Double(eps)).squareRoot()) }   // [C]
        let tiles = BatchNormTiles.FrozenBackward(channels: c, tiles: TrainingPointwise.tileCount(rows: rows, columns: c),
                                                  gamma: gamma.value, mean: runningMean.value, invstd: invstd,
                                                  high: relu6 ? 6 : .infinity)
        let mask: UnsafePointer<Float>? = relu6 ? y : nil
        kernel.inputGradient(dy, rows: rows, into: dx) { t, r, cols in
            tiles.piece(tile: t, rows: r, columns: cols, x: x, y: mask, dy: dx, dx: dx)
        }
        gamma.grad.withUnsafeMutableBufferPointer { dg in beta.grad.withUnsafeMutableBufferPointer { db in
            tiles.finish(dGamma: dg.baseAddress!, dBeta: db.baseAddress!)
        }}
    }
}
