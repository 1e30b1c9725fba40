import Dispatch

/// Backward of act(BN(x)) over NHWC rows [M, C] in two streaming passes (one for frozen BN), both
/// cores busy, the channel loops vectorised (AVX-512 build when `VectorISA.avx512`, else the AVX2 build when
/// `VectorISA.avx2Kernels`; all three builds give the same floats):
///   g  = dy where 0 < y < high (the ReLU/ReLU6 mask read from the output y; no mask without y)
///   x̂  = (x − mean)·invstd
///   dγ += Σ g·x̂,  dβ += Σ g                                   ([C], accumulated)
///   frozen (running statistics): dx = γ·invstd·g              (written in pass 1)
///   batch statistics:            dx = γ·invstd/M·(M·g − Σg − x̂·Σ(g·x̂))   (pass 2)
/// Sums run in Float over blocks of `blockRows` rows and in Double across blocks and tasks (task
/// order fixed: deterministic for a given core count). Replaces the plain sequence mask pass →
/// Double sums → scale pass (`Activation.backward`, `BatchNormTraining.backward`, `BatchNorm.backward`).
public enum BatchNormActivationBackward {
    static let blockRows = 32

    /// - Parameters:
    ///   - x: [M, C] BN input; y: [M, C] activated output, or nil for BN without activation.
    ///   - high: upper end of the activation's pass band (6 for ReLU6, +∞ for ReLU).
    ///   - dy: [M, C]; dx: [M, C], may be `dy`.
    ///   - mean, invstd: [C] batch statistics (`batchStatistics`) or the running ones, invstd = 1/√(var + eps).
    public static func run(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float, dy: UnsafePointer<Float>,
                           rows m: Int, channels c: Int, gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                           invstd: UnsafePointer<Float>, batchStatistics: Bool, dx: UnsafeMutablePointer<Float>,
                           dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>) {
        let tasks = max(1, min(ParallelRows.cores, m * c / 32768))
        let per = (m + tasks - 1) / tasks
        // Pass 1 writes g·outScale: the frozen dx directly, or g itself for pass 2.
        var outScale = [Float](repeating: 1, count: c)                       // [C]
        if !batchStatistics { for j in 0..<c { outScale[j] = gamma[j] * invstd[j] } }
        var partial = [Double](repeating: 0, count: tasks * 2 * c)            // [tasks][Σg C, Σg·x̂ C]
        var scratch = [Float](repeating: 0, count: tasks * 2 * c)             // [tasks][2C] Float block sums
        outScale.withUnsafeBufferPointer { sp in partial.withUnsafeMutableBufferPointer { pp in
            scratch.withUnsafeMutableBufferPointer { fp in
                let s = sp.baseAddress!, p = pp.baseAddress!, f = fp.baseAddress!
                let run = { (t: Int) in
                    let acc = p + t * 2 * c, blk = f + t * 2 * c
                    var r = t * per
                    let end = min(m, (t + 1) * per)
                    while r < end {
                        let n = min(blockRows, end - r)
                        blk.update(repeating: 0, count: 2 * c)
                        let o = r * c
                        if let build = VectorISA.packedBuild {
                            build.batchNormBackwardSums(x: x + o, y: y.map { $0 + o }, high: high, dy: dy + o, rows: n,
                                                        channels: c, mean: mean, invstd: invstd, outScale: s,
                                                        out: dx + o, sumG: blk, sumGX: blk + c)
                        } else {
                            sums(x: x + o, y: y.map { $0 + o }, high: high, dy: dy + o, rows: n, channels: c, mean: mean,
                                 invstd: invstd, outScale: s, out: dx + o, sumG: blk, sumGX: blk + c)
                        }
                        for j in 0..<2 * c { acc[j] += Double(blk[j]) }
                        r += n
                    }
                }
                if tasks == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: tasks, execute: run) }
            }
        }}
        var sg = [Double](repeating: 0, count: c), sgx = sg                   // [C] each
        for t in 0..<tasks {
            for j in 0..<c { sg[j] += partial[t * 2 * c + j]; sgx[j] += partial[t * 2 * c + c + j] }
        }
        for j in 0..<c { dGamma[j] += Float(sgx[j]); dBeta[j] += Float(sg[j]) }
        guard batchStatistics else { return }
        var k = [Float](repeating: 0, count: c), a = k, b = k                 // dx = k·g − a − b·x̂
        for j in 0..<c {
            k[j] = gamma[j] * invstd[j]
            a[j] = k[j] * Float(sg[j] / Double(m))
            b[j] = k[j] * Float(sgx[j] / Double(m))
        }
        k.withUnsafeBufferPointer { kp in a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
            ParallelRows.run(m, grain: max(1, 16384 / c)) { part in
                let o = part.lowerBound * c
                if let build = VectorISA.packedBuild {
                    build.batchNormBackwardFinish(x: x + o, g: dx + o, rows: part.count, channels: c, mean: mean,
                                                  invstd: invstd, k: kp.baseAddress!, a: ap.baseAddress!, b: bp.baseAddress!)
                } else {
                    finish(x: x + o, g: dx + o, rows: part.count, channels: c, mean: mean, invstd: invstd,
                           k: kp.baseAddress!, a: ap.baseAddress!, b: bp.baseAddress!)
                }
            }
        }}}
    }

    /// Pass 1 over `rows` rows (baseline build; `AVX512Kernels.batchNormBackwardSums` is the same loop).
    static func sums(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float, dy: UnsafePointer<Float>, rows: Int,
                     channels c: Int, mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>, outScale: UnsafePointer<Float>,
                     out: UnsafeMutablePointer<Float>, sumG: UnsafeMutablePointer<Float>, sumGX: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let xr = x + r * c, dr = dy + r * c, o = out + r * c
            if let y {
                let yr = y + r * c
                for j in 0..<c {
                    let g: Float = yr[j] > 0 && yr[j] < high ? dr[j] : 0
                    sumG[j] += g
                    sumGX[j] += g * ((xr[j] - mean[j]) * invstd[j])
                    o[j] = g * outScale[j]
                }
            } else {
                for j in 0..<c {
                    let g = dr[j]
                    sumG[j] += g
                    sumGX[j] += g * ((xr[j] - mean[j]) * invstd[j])
                    o[j] = g * outScale[j]
                }
            }
        }
    }

    /// Pass 2, in place over g: g = k·g − a − b·x̂ (baseline build).
    static func finish(x: UnsafePointer<Float>, g: UnsafeMutablePointer<Float>, rows: Int, channels c: Int,
                       mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                       k: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>) {
        for r in 0..<rows {
            let xr = x + r * c, gr = g + r * c
            for j in 0..<c { gr[j] = k[j] * gr[j] - a[j] - b[j] * ((xr[j] - mean[j]) * invstd[j]) }
        }
    }
}
