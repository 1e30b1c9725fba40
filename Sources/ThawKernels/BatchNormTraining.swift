import Dispatch
import ThawKernelsAVX2

/// Batch normalisation in training mode over NHWC / [M, C]: statistics of the current batch
/// (over all M = N·H·W rows, per channel), running statistics updated with momentum, and its
/// backward. Also the backward of frozen BN (`BatchNorm`), which is a per-channel affine.
///
/// PyTorch's conventions: normalise with the biased batch variance; update the running variance
/// with the unbiased one (× M/(M−1)); running = (1 − momentum)·running + momentum·batch.
/// Keras' `momentum` is PyTorch's 1 − momentum.
public enum BatchNormTraining {
    /// y [rows, C] = act(x · scale + shift) of the frozen `bn` (running statistics; `act` ReLU6 or identity), as
    /// `BatchNorm.forward`, rows split over the cores. On CPUs with AVX2+FMA and no AVX-512, with
    /// `TrainingKernels.avx2BatchNormForward`, one pass on ymm registers (`AVX2Kernels.batchNormForwardRows`) instead of the
    /// baseline build's two (the affine, then the clamp): the same floats. AVX2-only because the AVX-512 build has no
    /// such kernel; the baseline loop is what AVX-512 CPUs run. `y` must not overlap `x` unless equal.
    public static func frozenForward(_ bn: BatchNorm, _ x: UnsafePointer<Float>, rows: Int, relu6: Bool,
                                     into y: UnsafeMutablePointer<Float>) {
        guard TrainingKernels.avx2BatchNormForward && VectorISA.avx2Kernels && !VectorISA.avx512 else {
            bn.forward(x, rows: rows, into: y, activation: relu6 ? .relu6 : .identity)
            return
        }
        let (scale, shift) = bn.scaleShift()
        let c = bn.channels, (low, high): (Float, Float) = relu6 ? (0, 6) : (-.infinity, .infinity)
        scale.withUnsafeBufferPointer { sb in shift.withUnsafeBufferPointer { hb in
            ParallelRows.run(rows, grain: max(1, 16384 / c)) { part in
                AVX2Kernels.batchNormForwardRows(x + part.lowerBound * c, rows: part.count, channels: c, scale: sb.baseAddress!,
                                                 shift: hb.baseAddress!, low: low, high: high, into: y + part.lowerBound * c)
            }
        }}
    }

    /// y [rows, C] = (x − mean_B) · invstd_B · γ + β. Saves `mean` and `invstd` [C] for backward
    /// and updates `runningMean`/`runningVar` [C] in place. `y` may be `x`.
    /// Statistics are summed in Double (two passes) per channel, rows split over the cores.
    public static func forward(_ x: UnsafePointer<Float>, rows m: Int, channels c: Int,
                               gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float, momentum: Float,
                               runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
                               mean: UnsafeMutablePointer<Float>, invstd: UnsafeMutablePointer<Float>,
                               into y: UnsafeMutablePointer<Float>) {
        precondition(m > 1, "BatchNormTraining: needs more than one value per channel (rows = \(m))")
        precondition(eps > 0, "BatchNormTraining: eps must be positive")
        var sum = [Double](repeating: 0, count: c)      // [C]
        channelSums(m, c, into: &sum) { r, acc in
            let xr = x + r * c
            for j in 0..<c { acc[j] += Double(xr[j]) }
        }
        let md = sum.map { $0 / Double(m) }
        var sq = [Double](repeating: 0, count: c)       // [C] Σ (x − mean)²
        md.withUnsafeBufferPointer { mp in
            channelSums(m, c, into: &sq) { r, acc in
                let xr = x + r * c
                for j in 0..<c { let d = Double(xr[j]) - mp[j]; acc[j] += d * d }
            }
        }
        for j in 0..<c {
            let biased = sq[j] / Double(m)
            mean[j] = Float(md[j])
            invstd[j] = Float(1 / (biased + Double(eps)).squareRoot())
            let unbiased = sq[j] / Double(m - 1)
            runningMean[j] = (1 - momentum) * runningMean[j] + momentum * Float(md[j])
            runningVar[j] = (1 - momentum) * runningVar[j] + momentum * Float(unbiased)
        }
        ParallelRows.run(m, grain: max(1, 16384 / c)) { part in
            for r in part {
                let xr = x + r * c, yr = y + r * c
                for j in 0..<c { yr[j] = (xr[j] - mean[j]) * invstd[j] * gamma[j] + beta[j] }
            }
        }
    }

    /// dx [rows, C] = γ·invstd/M · (M·dy − Σdy − x̂·Σ(dy·x̂)), x̂ = (x − mean)·invstd;
    /// dγ += Σ dy·x̂, dβ += Σ dy ([C] each, accumulated). `dx` may be `dy`.
    public static func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows m: Int, channels c: Int,
                                gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>,
                                dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>) {
        var sdy = [Double](repeating: 0, count: c)      // [C] Σ dy
        var sdyx = [Double](repeating: 0, count: c)     // [C] Σ dy·x̂
        channelSums(m, c, into: &sdy) { r, acc in
            let dr = dy + r * c
            for j in 0..<c { acc[j] += Double(dr[j]) }
        }
        channelSums(m, c, into: &sdyx) { r, acc in
            let xr = x + r * c, dr = dy + r * c
            for j in 0..<c { acc[j] += Double(dr[j] * (xr[j] - mean[j]) * invstd[j]) }
        }
        var a = [Float](repeating: 0, count: c), b = a, k = a   // dx = k·dy − a − b·x̂
        for j in 0..<c {
            dGamma[j] += Float(sdyx[j])
            dBeta[j] += Float(sdy[j])
            k[j] = gamma[j] * invstd[j]
            a[j] = k[j] * Float(sdy[j] / Double(m))
            b[j] = k[j] * Float(sdyx[j] / Double(m))
        }
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in k.withUnsafeBufferPointer { kp in
            ParallelRows.run(m, grain: max(1, 16384 / c)) { part in
                for r in part {
                    let xr = x + r * c, dr = dy + r * c, o = dx + r * c
                    for j in 0..<c {
                        let xhat = (xr[j] - mean[j]) * invstd[j]
                        o[j] = kp[j] * dr[j] - ap[j] - bp[j] * xhat
                    }
                }
            }
        }}}
    }

    /// Per-channel sums over rows: each task fills its own [C] partial, reduced in task order
    /// (deterministic for a given core count).
    private static func channelSums(_ m: Int, _ c: Int, into out: inout [Double],
                                    _ body: (Int, UnsafeMutablePointer<Double>) -> Void) {
        let tasks = min(ParallelRows.cores, max(1, m * c / 32768))
        var partial = [Double](repeating: 0, count: tasks * c)   // [tasks, C]
        partial.withUnsafeMutableBufferPointer { pb in
            let p = pb.baseAddress!
            let per = (m + tasks - 1) / tasks
            if tasks == 1 {
                for r in 0..<m { body(r, p) }
                return
            }
            withoutActuallyEscaping(body) { body in
                DispatchQueue.concurrentPerform(iterations: tasks) { t in
                    let acc = p + t * c
                    for r in t * per..<min(m, (t + 1) * per) { body(r, acc) }
                }
            }
        }
        for t in 0..<tasks { for j in 0..<c { out[j] += partial[t * c + j] } }
    }
}

extension BatchNorm {
    /// Backward of frozen BN (y = x·scale + shift with the running statistics):
    /// dx = dy·scale; dγ += Σ dy·(x − mean)/√(var + eps); dβ += Σ dy ([C], accumulated).
    /// `dx` may be `dy`. The activation, if any, is the caller's (`Activation.backward`).
    public func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int,
                         dx: UnsafeMutablePointer<Float>,
                         dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>) {
        let c = channels
        let (scale, _) = scaleShift()
        var sg = [Double](repeating: 0, count: c), sb = sg    // [C] Σ dy·(x − mean), Σ dy
        for r in 0..<rows {                                    // row order: contiguous reads
            let xr = x + r * c, dr = dy + r * c
            for j in 0..<c {
                sg[j] += Double(dr[j]) * (Double(xr[j]) - Double(mean[j]))
                sb[j] += Double(dr[j])
            }
        }
        for j in 0..<c {
            dGamma[j] += Float(sg[j] / (Double(variance[j]) + Double(eps)).squareRoot())
            dBeta[j] += Float(sb[j])
        }
        scale.withUnsafeBufferPointer { sp in
            let s = sp.baseAddress!
            ParallelRows.run(rows, grain: max(1, 16384 / c)) { part in
                for r in part {
                    let d = dy + r * c, o = dx + r * c
                    for j in 0..<c { o[j] = d[j] * s[j] }
                }
            }
        }
    }
}
