extension AVX512Kernels {
    /// The AVX-512 build of `BatchNormTiles.frozenForward` (the same arithmetic per element, so the same
    /// results): y = clamp(x·scale + shift (+ residual), low, high) over `rows` rows × `cols` columns at stride
    /// `ld` (x, y and residual share it; scale and shift start at the tile's first column). One zmm per 16
    /// columns, rows outer; a scalar tail for cols % 16.
    public static func batchNormForwardTile(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                                            ld: Int, rows: Int, cols: Int, scale: UnsafePointer<Float>,
                                            shift: UnsafePointer<Float>, low: Float, high: Float) {
        let lo = F16(repeating: low), hi = F16(repeating: high)
        let vectorCols = cols & ~15
        // Rows outer (a map row is contiguous; columns outer strode through whole maps ld floats at a time).
        for r in 0..<rows {
            let xr = x + r * ld, yr = y + r * ld
            if let residual {
                let sr = residual + r * ld
                var j = 0
                while j < vectorCols {
                    // Separate multiply and add (no FMA): the rounding of `BatchNorm.forward` + residual add.
                    store(clampKeepingNaN((load(xr + j) * load(scale + j) + load(shift + j)) + load(sr + j), lo, hi), yr + j)
                    j += 16
                }
                for c in vectorCols..<cols { yr[c] = min(max(xr[c] * scale[c] + shift[c] + sr[c], low), high) }
            } else {
                var j = 0
                while j < vectorCols {
                    store(clampKeepingNaN(load(xr + j) * load(scale + j) + load(shift + j), lo, hi), yr + j)
                    j += 16
                }
                for c in vectorCols..<cols { yr[c] = min(max(xr[c] * scale[c] + shift[c], low), high) }
            }
        }
    }

    /// min(max(v, lo), hi) per lane with NaN kept (as the scalar `min(max(·))`), by two blends: SIMD's
    /// generic `clamped` was not inlined here (a call per vector).
    @inline(__always)
    static func clampKeepingNaN(_ v: F16, _ lo: F16, _ hi: F16) -> F16 {
        v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
    }

    /// The AVX-512 build of `BatchNormTiles.FrozenBackward`'s rows (the same arithmetic per element and the
    /// same row order of the sums, so the same results): over `rows` rows × `cols` columns at stride `ld`,
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
