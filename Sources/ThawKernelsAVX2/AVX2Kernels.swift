/// GELU and softmax rows for CPUs with AVX2 and FMA: the same arithmetic as ThawKernels'
/// `VectorMath`, `GELU` and `Softmax.row`, compiled with `-target-cpu haswell` so `SIMD8<Float>`
/// is one 256-bit register and the polynomials use fused multiply-adds (≈ 1.8× faster than the
/// baseline SSE build of the same code). Single-threaded; the caller splits the work.
///
/// Pitfall: nothing here may run on a CPU without AVX2/FMA (illegal instruction). ThawKernels
/// checks the CPU once (`VectorISA`); keep these functions non-inlinable so no AVX2 code leaks
/// into baseline modules.
public enum AVX2Kernels {
    typealias F8 = SIMD8<Float>

    /// y = x · Φ(x) over `count` elements (GELU, erf form); y may be x.
    public static func gelu(x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: F8.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v * normalCDF(v), as: F8.self)
            i += 8
        }
        if i < count {
            var v = F8()
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let g = v * normalCDF(v)
            for j in 0..<(count - i) { y[i + j] = g[j] }
        }
    }

    /// One row in place: softmax(x + bias) (bias [count] optional, an additive mask).
    public static func softmaxRow(_ xr: UnsafeMutablePointer<Float>, count n: Int, adding bias: UnsafePointer<Float>?) {
        var m8 = F8(repeating: -.greatestFiniteMagnitude)
        var i = 0
        while i + 8 <= n {
            var v = UnsafeRawPointer(xr + i).loadUnaligned(as: F8.self)
            if let bias {
                v += UnsafeRawPointer(bias + i).loadUnaligned(as: F8.self)
                UnsafeMutableRawPointer(xr + i).storeBytes(of: v, as: F8.self)
            }
            m8 = m8.replacing(with: v, where: v .> m8)
            i += 8
        }
        var m = m8.max()
        while i < n {
            if let bias { xr[i] += bias[i] }
            if xr[i] > m { m = xr[i] }
            i += 1
        }
        var sum8 = F8()
        i = 0
        while i + 8 <= n {
            let e = exp(UnsafeRawPointer(xr + i).loadUnaligned(as: F8.self) - m)
            UnsafeMutableRawPointer(xr + i).storeBytes(of: e, as: F8.self)
            sum8 += e
            i += 8
        }
        var sum = sum8.sum()
        if i < n {
            var v = F8()
            for j in 0..<(n - i) { v[j] = xr[i + j] - m }
            let e = exp(v)
            for j in 0..<(n - i) { xr[i + j] = e[j]; sum += e[j] }
        }
        let inv = 1 / sum
        i = 0
        while i + 8 <= n {
            let p = UnsafeMutableRawPointer(xr + i)
            p.storeBytes(of: p.loadUnaligned(as: F8.self) * inv, as: F8.self)
            i += 8
        }
        while i < n { xr[i] *= inv; i += 1 }
    }

    // MARK: - Lane-wise math (see ThawKernels' VectorMath for the derivations and accuracy)

    /// c + a·b, fused.
    @inline(__always)
    static func fma(_ a: F8, _ b: F8, _ c: Float) -> F8 { F8(repeating: c).addingProduct(a, b) }

    @inline(__always)
    static func exp(_ x: F8) -> F8 {
        let lo = F8(repeating: -87.3), hi = F8(repeating: 88.3)
        let low = x .< lo
        let clamped = x.replacing(with: lo, where: low).replacing(with: hi, where: x .> hi)
        let magic = F8(repeating: 12_582_912)                        // 1.5 · 2²³
        let shifted = magic.addingProduct(clamped, F8(repeating: 1.442_695_040_888_963_4))
        let n = shifted - magic
        var r = clamped.addingProduct(n, F8(repeating: -0.693_359_375))
        r = r.addingProduct(n, F8(repeating: 2.121_944_400_546_905_8e-4))
        var p = F8(repeating: 1.987_569_150_0e-4)
        p = fma(p, r, 1.398_199_950_7e-3)
        p = fma(p, r, 8.333_451_907_3e-3)
        p = fma(p, r, 4.166_579_589_4e-2)
        p = fma(p, r, 1.666_666_545_9e-1)
        p = fma(p, r, 5.000_000_120_1e-1)
        let er = (r + 1).addingProduct(p, r * r)
        let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- Int32(bitPattern: 0x4B40_0000)
        let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: F8.self)
        return (er * scale).replacing(with: 0, where: low)
    }

    @inline(__always)
    static func erfc(nonNegative z: F8) -> F8 {
        let t = 1 / (1 + 0.5 * z)
        var p = F8(repeating: 0.170_872_77)
        p = fma(p, t, -0.822_152_23)
        p = fma(p, t, 1.488_515_87)
        p = fma(p, t, -1.135_203_98)
        p = fma(p, t, 0.278_868_07)
        p = fma(p, t, -0.186_288_06)
        p = fma(p, t, 0.096_784_18)
        p = fma(p, t, 0.374_091_96)
        p = fma(p, t, 1.000_023_68)
        p = fma(p, t, -1.265_512_23)
        return t * exp(p - z * z)
    }

    @inline(__always)
    static func normalCDF(_ x: F8) -> F8 {
        let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: F8.self)
        let half = 0.5 * erfc(nonNegative: magnitude * 0.707_106_781_186_547_5)
        return half.replacing(with: 1 - half, where: x .> 0)
    }
}
