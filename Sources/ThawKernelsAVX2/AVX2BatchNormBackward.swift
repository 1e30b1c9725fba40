extension AVX2Kernels {
    /// The AVX2 build of `BatchNormActivationBackward`'s pass 1 over `rows` rows [C] (`AVX512Kernels.batchNormBackwardSums`,
    /// the same per-element arithmetic and row order of the sums, so the same floats): g = dy where 0 < y < high (no mask
    /// without y); out = g·outScale (out may be dy); sumG += g; sumGX += g·(x − mean)·invstd ([C] Float accumulators).
    /// One ymm per 8 channels with both sums in registers down the rows; a scalar tail for C % 8.
    public static func batchNormBackwardSums(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float,
                                             dy: UnsafePointer<Float>, rows: Int, channels c: Int,
                                             mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                                             outScale: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                                             sumG: UnsafeMutablePointer<Float>, sumGX: UnsafeMutablePointer<Float>) {
        batchNormBackwardSums(x: x, y: y, high: high, dy: dy, rows: rows, channels: c, rowStride: c, mean: mean, invstd: invstd,
                              outScale: outScale, out: out, sumG: sumG, sumGX: sumGX)
    }

    /// The same pass over `channels` columns of rows `rowStride` floats apart (x, y, dy and out alike): a column tile of a
    /// wider map (`BatchNormActivationBackward.frozenInTiles`). mean, invstd, outScale, sumG, sumGX are [channels].
    @inline(__always)
    public static func batchNormBackwardSums(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float,
                                             dy: UnsafePointer<Float>, rows: Int, channels c: Int, rowStride ld: Int,
                                             mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                                             outScale: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                                             sumG: UnsafeMutablePointer<Float>, sumGX: UnsafeMutablePointer<Float>) {
        let zero = F8(repeating: 0), hi = F8(repeating: high)
        var j = 0
        while j + 8 <= c {
            let m = load(mean + j), inv = load(invstd + j), k = load(outScale + j)
            var sg = load(sumG + j), sgx = load(sumGX + j)
            for r in 0..<rows {
                let o = r * ld + j
                var g = load(dy + o)
                if let y {
                    let yv = load(y + o)
                    // Ordered compares: a NaN y masks (as `y > 0 && y < high` does); a NaN dy passes.
                    g = zero.replacing(with: g, where: (yv .> zero) .& (yv .< hi))
                }
                sg += g
                sgx += g * ((load(x + o) - m) * inv)
                store(g * k, out + o)
            }
            store(sg, sumG + j); store(sgx, sumGX + j)
            j += 8
        }
        guard j < c else { return }
        for r in 0..<rows {
            for ch in j..<c {
                let o = r * ld + ch
                var g = dy[o]
                if let y { g = y[o] > 0 && y[o] < high ? g : 0 }
                sumG[ch] += g
                sumGX[ch] += g * ((x[o] - mean[ch]) * invstd[ch])
                out[o] = g * outScale[ch]
            }
        }
    }

    /// The AVX2 build of pass 2, in place: g = k·g − a − b·(x − mean)·invstd over `rows` rows [C] (a plain loop,
    /// vectorised on ymm; no fused multiply-adds, as the other builds).
    public static func batchNormBackwardFinish(x: UnsafePointer<Float>, g: UnsafeMutablePointer<Float>, rows: Int,
                                               channels c: Int, mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                                               k: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>) {
        for r in 0..<rows {
            let xr = x + r * c, gr = g + r * c
            for j in 0..<c { gr[j] = k[j] * gr[j] - a[j] - b[j] * ((xr[j] - mean[j]) * invstd[j]) }
        }
    }
}
