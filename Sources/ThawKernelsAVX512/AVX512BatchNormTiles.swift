extension AVX512Kernels {
    /// The AVX-512 build of `BatchNormTiles.frozenForward` (the same loop, so the same results):
    /// y = clamp(x·scale + shift (+ residual), low, high) over `rows` rows × `cols` columns at stride `ld`
    /// (x, y and residual share it; scale and shift start at the tile's first column).
    public static func batchNormForwardTile(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                                            ld: Int, rows: Int, cols: Int, scale: UnsafePointer<Float>,
                                            shift: UnsafePointer<Float>, low: Float, high: Float) {
        for r in 0..<rows {
            let xr = x + r * ld, yr = y + r * ld
            if let residual {
                let sr = residual + r * ld
                for j in 0..<cols { yr[j] = min(max(xr[j] * scale[j] + shift[j] + sr[j], low), high) }
            } else {
                for j in 0..<cols { yr[j] = min(max(xr[j] * scale[j] + shift[j], low), high) }
            }
        }
    }

    /// The AVX-512 build of `BatchNormTiles.frozenBackward`'s rows (the same loop): over `rows` rows × `cols`
    /// columns at stride `ld`, g = dy where 0 < y < high (no mask without y); out = g·outScale (out may be dy);
    /// sumG += g; sumGX += g·(x − mean)·invstd ([cols] Float accumulators; per-column pointers start at the tile).
    public static func batchNormBackwardTile(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float,
                                             dy: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, ld: Int, rows: Int,
                                             cols: Int, mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                                             outScale: UnsafePointer<Float>, sumG: UnsafeMutablePointer<Float>,
                                             sumGX: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let xr = x + r * ld, dr = dy + r * ld, o = out + r * ld
            if let y {
                let yr = y + r * ld
                for j in 0..<cols {
                    let g: Float = yr[j] > 0 && yr[j] < high ? dr[j] : 0
                    sumG[j] += g
                    sumGX[j] += g * ((xr[j] - mean[j]) * invstd[j])
                    o[j] = g * outScale[j]
                }
            } else {
                for j in 0..<cols {
                    let g = dr[j]
                    sumG[j] += g
                    sumGX[j] += g * ((xr[j] - mean[j]) * invstd[j])
                    o[j] = g * outScale[j]
                }
            }
        }
    }
}
