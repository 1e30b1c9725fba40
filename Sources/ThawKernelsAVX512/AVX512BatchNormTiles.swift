extension AVX512Kernels {
    /// Pass 1 of `BatchNormActivationBackward` on AVX-512 (the same arithmetic per element and the same row order
    /// of the sums as its baseline loop, so the same results): over `rows` rows × `cols` columns at stride `ld`,
    /// g = dy where 0 < y < high (no mask without y); out = g·outScale (out may be dy); sumG += g;
    /// sumGX += g·(x − mean)·invstd ([cols] Float accumulators; per-column pointers start at the tile).
    /// One zmm per 16 columns with both sums in registers down the rows; a scalar tail for cols % 16.
    public static func batchNormBackwardTile(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float,
                                             dy: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, ld: Int, rows: Int,
                                             cols: Int, mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                                             outScale: UnsafePointer<Float>, sumG: UnsafeMutablePointer<Float>,
                                             sumGX: UnsafeMutablePointer<Float>) {
        let zero = F16(repeating: 0), hi = F16(repeating: high)
        var j = 0
        while j + 16 <= cols {
            let m = load(mean + j), inv = load(invstd + j), k = load(outScale + j)
            var sg = load(sumG + j), sgx = load(sumGX + j)
            for r in 0..<rows {
                let o = r * ld + j
                var g = load(dy + o)
                if let y {
                    let yv = load(y + o)
                    // Ordered compares: a NaN y masks (as `yr > 0 && yr < high` does); a NaN dy passes.
                    g = zero.replacing(with: g, where: (yv .> zero) .& (yv .< hi))
                }
                sg += g
                sgx += g * ((load(x + o) - m) * inv)
                store(g * k, out + o)
            }
            store(sg, sumG + j); store(sgx, sumGX + j)
            j += 16
        }
        guard j < cols else { return }
        for r in 0..<rows {
            for c in j..<cols {
                let o = r * ld + c
                var g = dy[o]
                if let y { g = y[o] > 0 && y[o] < high ? g : 0 }
                sumG[c] += g
                sumGX[c] += g * ((x[o] - mean[c]) * invstd[c])
                out[o] = g * outScale[c]
            }
        }
    }
}
