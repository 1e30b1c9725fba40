import ThawKernels

/// A BatchNorm over NHWC rows with optional ReLU6 after it, trainable in either mode.
/// Keys: `<prefix>.weight`, `.bias`, `.running_mean`, `.running_var`; eps 1e-3 (EfficientNet-Lite).
public final class TrainableBatchNorm {
    public let gamma: TrainableTensor, beta: TrainableTensor          // [C] each
    public let runningMean: TrainableTensor, runningVar: TrainableTensor  // [C] each, not optimised
    public let eps: Float
    public let relu6: Bool

    /// What backward needs: the input and, for batch statistics, mean and invstd [C].
    public struct Saved {
        var mean: [Float]?
        var invstd: [Float]?
    }

    public init(prefix: String, channels c: Int, relu6: Bool, eps: Float = 1e-3,
                parameters: (String, [Int]) throws -> [Float]) throws {
        gamma = TrainableTensor(key: prefix + ".weight", torchShape: [c], torchValue: try parameters(prefix + ".weight", [c]))
        beta = TrainableTensor(key: prefix + ".bias", torchShape: [c], torchValue: try parameters(prefix + ".bias", [c]))
        runningMean = TrainableTensor(key: prefix + ".running_mean", torchShape: [c],
                                      torchValue: try parameters(prefix + ".running_mean", [c]), trainable: false)
        runningVar = TrainableTensor(key: prefix + ".running_var", torchShape: [c],
                                     torchValue: try parameters(prefix + ".running_var", [c]), trainable: false)
        self.eps = eps
        self.relu6 = relu6
    }

    public var channels: Int { gamma.count }
    public var tensors: [TrainableTensor] { [gamma, beta, runningMean, runningVar] }

    var frozen: BatchNorm {
        BatchNorm(gamma: gamma.value, beta: beta.value, runningMean: runningMean.value, runningVar: runningVar.value, eps: eps)
    }

    /// y [rows, C] = act(BN(x)); `y` must not be `x` (backward reads x).
    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, mode: BatchNormMode) -> Saved {
        let act: Activation = relu6 ? .relu6 : .identity
        switch mode {
        case .running:
            BatchNormTraining.frozenForward(frozen, x, rows: rows, relu6: relu6, into: y)
            return Saved(mean: nil, invstd: nil)
        case .batch(let momentum):
            let c = channels
            var mean = [Float](repeating: 0, count: c), invstd = mean
            gamma.value.withUnsafeBufferPointer { g in beta.value.withUnsafeBufferPointer { b in
                runningMean.value.withUnsafeMutableBufferPointer { rm in runningVar.value.withUnsafeMutableBufferPointer { rv in
                    mean.withUnsafeMutableBufferPointer { mp in invstd.withUnsafeMutableBufferPointer { ip in
                        BatchNormTraining.forward(x, rows: rows, channels: c, gamma: g.baseAddress!, beta: b.baseAddress!,
                                                  eps: eps, momentum: momentum, runningMean: rm.baseAddress!,
                                                  runningVar: rv.baseAddress!, mean: mp.baseAddress!,
                                                  invstd: ip.baseAddress!, into: y)
                    }}
                }}
            }}
            act.apply(y, count: rows * c)
            return Saved(mean: mean, invstd: invstd)
        }
    }

    /// dx [rows, C] from dy (gradient of the activated output y); accumulates dγ, dβ.
    /// `dy` may be overwritten (the plain kernels mask it in place); `dx` may be `dy`.
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>, rows: Int,
                         saved: Saved, dx: UnsafeMutablePointer<Float>) {
        let c = channels
        if TrainingKernels.fused {
            fusedBackward(x: x, y: y, dy: dy, rows: rows, saved: saved, dx: dx)
            return
        }
        if relu6 { Activation.relu6.backward(y: y, dy: dy, count: rows * c, dx: dy) }
        gamma.grad.withUnsafeMutableBufferPointer { dg in beta.grad.withUnsafeMutableBufferPointer { db in
            if let mean = saved.mean, let invstd = saved.invstd {
                gamma.value.withUnsafeBufferPointer { g in
                    BatchNormTraining.backward(x: x, dy: dy, rows: rows, channels: c, gamma: g.baseAddress!,
                                               mean: mean, invstd: invstd, dx: dx,
                                               dGamma: dg.baseAddress!, dBeta: db.baseAddress!)
                }
            } else {
                frozen.backward(x: x, dy: dy, rows: rows, dx: dx, dGamma: dg.baseAddress!, dBeta: db.baseAddress!)
            }
        }}
    }

    /// The frozen backward (running statistics, `saved` without batch statistics) fused after the GEMM that writes dy:
    /// `gemm(rowTiles, after)` must write dy [rows, C] into `dx` over `rowTiles` and call `after(rows, columns)` after
    /// each tile; the mask + BN pass then runs on that tile in place (`FrozenBatchNormTiles`, the floats of `backward`).
    /// Returns false (nothing run) where the fused path does not apply: batch statistics, or the CPU without the AVX2 pass.
    func frozenBackwardInTiles(x: UnsafePointer<Float>, y: UnsafePointer<Float>, rows: Int, saved: Saved,
                               dx: UnsafeMutablePointer<Float>, rowTiles: Int,
                               gemm: ([Range<Int>], (Range<Int>, Range<Int>) -> Void) -> Void) -> Bool {
        guard TrainingKernels.fused, saved.mean == nil, saved.invstd == nil, FrozenBatchNormTiles.supported else { return false }
        let c = channels
        let mean = runningMean.value                                                                         // [C]
        let invstd = runningVar.value.map { Float(1 / (Double($0) + Double(eps)).squareRoot()) }           // [C], as fusedBackward
        var outScale = [Float](repeating: 0, count: c)                                                       // [C] γ·invstd
        for j in 0..<c { outScale[j] = gamma.value[j] * invstd[j] }
        let tiles = FrozenBatchNormTiles(rows: rows, channels: c, rowTiles: rowTiles)
        mean.withUnsafeBufferPointer { mp in invstd.withUnsafeBufferPointer { ip in outScale.withUnsafeBufferPointer { sp in
            let m = mp.baseAddress!, inv = ip.baseAddress!, s = sp.baseAddress!
            gemm(tiles.rowTiles) { r, cols in
                tiles.pass(rows: r, columns: cols, x: x, y: relu6 ? y : nil, high: 6, dy: dx, mean: m, invstd: inv, outScale: s)
            }
        }}}
        gamma.grad.withUnsafeMutableBufferPointer { dg in beta.grad.withUnsafeMutableBufferPointer { db in
            tiles.finish(dGamma: dg.baseAddress!, dBeta: db.baseAddress!)
        }}
        return true
    }

    /// The same backward as one mask + BN pass (two with batch statistics): `BatchNormActivationBackward`.
    /// Here `dy` is not masked in place (only `dx` is written).
    private func fusedBackward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>, rows: Int,
                               saved: Saved, dx: UnsafeMutablePointer<Float>) {
        let c = channels
        let batch = saved.mean != nil && saved.invstd != nil
        var mean = saved.mean ?? runningMean.value                       // [C]
        var invstd = saved.invstd ?? runningVar.value.map { Float(1 / (Double($0) + Double(eps)).squareRoot()) }   // [C]
        gamma.value.withUnsafeBufferPointer { g in mean.withUnsafeMutableBufferPointer { mp in invstd.withUnsafeMutableBufferPointer { ip in
            gamma.grad.withUnsafeMutableBufferPointer { dg in beta.grad.withUnsafeMutableBufferPointer { db in
                BatchNormActivationBackward.run(x: x, y: relu6 ? y : nil, high: 6, dy: dy, rows: rows, channels: c,
                                                gamma: g.baseAddress!, mean: mp.baseAddress!, invstd: ip.baseAddress!,
                                                batchStatistics: batch, dx: dx, dGamma: dg.baseAddress!, dBeta: db.baseAddress!)
            }}
        }}}
    }
}
