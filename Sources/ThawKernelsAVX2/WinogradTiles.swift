/// The tile transforms of Winograd F(4×4, 3×3) (ThawKernels' `WinogradF43` has the matrices, the
/// filter transform and the driver), compiled for AVX2 + FMA: `SIMD8<Float>` is one 256-bit register
/// here. Each call handles one tile over all channels, 8 at a time; single-threaded (the caller
/// splits tiles over the cores).
///
///   input:  V = Bᵀ d B,  Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
///   output: Y = Aᵀ M A,  Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
///
/// Pitfall: AVX2-only code (see `AVX2Kernels`); ThawKernels calls it only when `VectorISA.avx2FMA`.
public enum WinogradTiles {
    public typealias F8 = SIMD8<Float>

    /// Bᵀ applied to one line of six values.
    @inline(__always)
    private static func inputLine(_ d0: F8, _ d1: F8, _ d2: F8, _ d3: F8, _ d4: F8, _ d5: F8)
        -> (F8, F8, F8, F8, F8, F8) {
        let t0 = 4 * d0 - 5 * d2 + d4
        let t1 = d3 + d4 - 4 * (d1 + d2)
        let t2 = 4 * (d1 - d2) + d4 - d3
        let t3 = 2 * (d3 - d1) + d4 - d2
        let t4 = 2 * (d1 - d3) + d4 - d2
        let t5 = 4 * d1 - 5 * d3 + d5
        return (t0, t1, t2, t3, t4, t5)
    }

    /// Aᵀ applied to one line of six values.
    @inline(__always)
    private static func outputLine(_ m0: F8, _ m1: F8, _ m2: F8, _ m3: F8, _ m4: F8, _ m5: F8) -> (F8, F8, F8, F8) {
        let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
        return (m0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + m5)
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }

    @inline(__always)
    private static func store(_ v: F8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self) }

    /// V[ξ] = (Bᵀ d B)[ξ] for the 6×6 window at (`y0`, `x0`) of one image (zeros outside it).
    ///
    /// - image: [H, W, C] of one image; C a multiple of 8.
    /// - v: position 0 of this tile's row; position ξ lands at `v + ξ·positionStride`, [C] each.
    /// - scratch: 36 vectors of the caller's.
    public static func inputTile(_ image: UnsafePointer<Float>, height h: Int, width w: Int, channels c: Int,
                          y0: Int, x0: Int, into v: UnsafeMutablePointer<Float>, positionStride: Int,
                          scratch d: UnsafeMutablePointer<F8>) {
        var cb = 0
        while cb < c {
            for i in 0..<6 {
                let iy = y0 + i
                if iy < 0 || iy >= h {
                    for j in 0..<6 { d[i * 6 + j] = F8() }
                    continue
                }
                let line = image + iy * w * c + cb
                for j in 0..<6 {
                    let ix = x0 + j
                    d[i * 6 + j] = ix < 0 || ix >= w ? F8() : load(line + ix * c)
                }
            }
            for j in 0..<6 {                       // columns: Bᵀ d
                let t = inputLine(d[j], d[6 + j], d[12 + j], d[18 + j], d[24 + j], d[30 + j])
                d[j] = t.0; d[6 + j] = t.1; d[12 + j] = t.2; d[18 + j] = t.3; d[24 + j] = t.4; d[30 + j] = t.5
            }
            for k in 0..<6 {                       // rows: (Bᵀ d) B
                let r = k * 6
                let t = inputLine(d[r], d[r + 1], d[r + 2], d[r + 3], d[r + 4], d[r + 5])
                let out = v + r * positionStride + cb
                store(t.0, out); store(t.1, out + positionStride); store(t.2, out + 2 * positionStride)
                store(t.3, out + 3 * positionStride); store(t.4, out + 4 * positionStride); store(t.5, out + 5 * positionStride)
            }
            cb += 8
        }
    }

    /// y tile = clamp(Aᵀ m A + bias, clampLow, clampHigh) for the 4×4 tile at (`y0`, `x0`) of one output image; pixels
    /// past the bottom/right edge are dropped.
    ///
    /// - m: position 0 of this tile's row; position ξ at `m + ξ·positionStride`, [Cout] each.
    /// - image: [OH, OW, Cout] of one image; Cout a multiple of 8.
    /// - pixelStride: floats from one output pixel to the next (nil: `channels`); a slice of a wider map's channels
    ///   when larger (`image` then points at the slice's first channel, `bias` at its first bias).
    /// - scratch: 36 vectors of the caller's.
    public static func outputTile(_ m: UnsafePointer<Float>, positionStride: Int, channels c: Int,
                                  bias: UnsafePointer<Float>?, clampLow: Float, clampHigh: Float,
                           into image: UnsafeMutablePointer<Float>, height oh: Int, width ow: Int, y0: Int, x0: Int,
                           pixelStride: Int? = nil, scratch s: UnsafeMutablePointer<F8>) {
        let rows = min(4, oh - y0), cols = min(4, ow - x0), ps = pixelStride ?? c
        var cb = 0
        while cb < c {
            for l in 0..<6 {                       // columns: Aᵀ m, 4 rows of 6
                let p = m + l * positionStride + cb
                let t = outputLine(load(p), load(p + 6 * positionStride), load(p + 12 * positionStride),
                                   load(p + 18 * positionStride), load(p + 24 * positionStride), load(p + 30 * positionStride))
                s[l] = t.0; s[6 + l] = t.1; s[12 + l] = t.2; s[18 + l] = t.3
            }
            let b = bias.map { load($0 + cb) } ?? F8()
            let lo = F8(repeating: clampLow), hi = F8(repeating: clampHigh)
            for r in 0..<rows {                    // rows: (Aᵀ m) A
                let q = r * 6
                let t = outputLine(s[q], s[q + 1], s[q + 2], s[q + 3], s[q + 4], s[q + 5])
                let line = image + ((y0 + r) * ow + x0) * ps + cb
                store(clamp(t.0 + b, lo, hi), line)
                if cols > 1 { store(clamp(t.1 + b, lo, hi), line + ps) }
                if cols > 2 { store(clamp(t.2 + b, lo, hi), line + 2 * ps) }
                if cols > 3 { store(clamp(t.3 + b, lo, hi), line + 3 * ps) }
            }
            cb += 8
        }
    }

    /// min(max(v, lo), hi) lane-wise (lo = −∞, hi = +∞ for no activation; 0, +∞ for ReLU; 0, 6 for ReLU6).
    @inline(__always)
    private static func clamp(_ v: F8, _ lo: F8, _ hi: F8) -> F8 {
        v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
    }
}
