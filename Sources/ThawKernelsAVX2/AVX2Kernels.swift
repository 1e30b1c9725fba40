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

    /// y = x · Φ(x) over `count` elements (GELU, erf form); y may be x. In passes (`geluInRuns`) unless
    /// `geluInPasses` is off; both give the same floats.
    public static func gelu(x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
        if geluInPasses { geluInRuns(x: x, count: count, y: y) } else { geluInOneChain(x: x, count: count, y: y) }
    }

    /// `gelu` with one dependent chain of ≈ 35 operations per vector (the reference order of every lane's operations).
    public static func geluInOneChain(x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
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

    /// One row in place: softmax(x + bias) (bias [count] optional, an additive mask). The exponentials in two passes
    /// (`softmaxExponentialsInRuns`) unless `softmaxInPasses` is off; the same floats either way.
    public static func softmaxRow(_ xr: UnsafeMutablePointer<Float>, count n: Int, adding bias: UnsafePointer<Float>?) {
        let m = softmaxMaximum(xr, count: n, adding: bias)
        var sum = softmaxInPasses ? softmaxExponentialsInRuns(xr, count: n, minus: m)
                                  : softmaxExponentialsInOneChain(xr, count: n, minus: m)
        let whole = n / 8 * 8
        if whole < n {
            var v = F8()
            for j in 0..<(n - whole) { v[j] = xr[whole + j] - m }
            let e = exp(v)
            for j in 0..<(n - whole) { xr[whole + j] = e[j]; sum += e[j] }
        }
        let inv = 1 / sum
        var i = 0
        while i + 8 <= n {
            let p = UnsafeMutableRawPointer(xr + i)
            p.storeBytes(of: p.loadUnaligned(as: F8.self) * inv, as: F8.self)
            i += 8
        }
        while i < n { xr[i] *= inv; i += 1 }
    }

    /// Softmax's pass 1: adds the bias in place (when given) and returns the row's maximum.
    @inline(__always)
    static func softmaxMaximum(_ xr: UnsafeMutablePointer<Float>, count n: Int, adding bias: UnsafePointer<Float>?) -> Float {
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
        // The lanes' maximum by hand: `SIMD.max()` stays a call (0.2% of MiniLM's CPU). m8 holds no NaN (`>` never
        // takes one), and m's ±0 cannot matter: x − (±0) only differs for x = −0, and exp(±0) = 1 either way.
        var m = m8[0]
        for j in 1..<8 where m8[j] > m { m = m8[j] }
        while i < n {
            if let bias { xr[i] += bias[i] }
            if xr[i] > m { m = xr[i] }
            i += 1
        }
        return m
    }

    /// xr[i] = exp(xr[i] − m) over the whole vectors of the row (one chain per vector); returns their sum, summed
    /// per lane in vector order and then across the lanes.
    @inline(__always)
    static func softmaxExponentialsInOneChain(_ xr: UnsafeMutablePointer<Float>, count n: Int, minus m: Float) -> Float {
        var sum8 = F8()
        var i = 0
        while i + 8 <= n {
            let e = exp(UnsafeRawPointer(xr + i).loadUnaligned(as: F8.self) - m)
            UnsafeMutableRawPointer(xr + i).storeBytes(of: e, as: F8.self)
            sum8 += e
            i += 8
        }
        return sum8.sum()
    }

    // MARK: - Lane-wise math (see ThawKernels' VectorMath for the derivations and accuracy)

    /// c + a·b, fused.
    @inline(__always)
    static func fma(_ a: F8, _ b: F8, _ c: Float) -> F8 { F8(repeating: c).addingProduct(a, b) }

    /// The shared steps below keep one copy of each constant and order: `exp`, `erfc`, `normalCDF` and the passes
    /// of `geluInRuns` are built from them.
    @inline(__always)
    static func exp(_ x: F8) -> F8 {
        let reduced = expReduction(expClamped(x))
        var p = F8(repeating: expCoefficients.0)
        p = fma(p, reduced.r, expCoefficients.1)
        p = fma(p, reduced.r, expCoefficients.2)
        p = fma(p, reduced.r, expCoefficients.3)
        p = fma(p, reduced.r, expCoefficients.4)
        p = fma(p, reduced.r, expCoefficients.5)
        return expScaled(expPolynomialEnd(reduced.r, p), shifted: reduced.shifted, argument: x)
    }

    /// x clamped to exp's range [−87.3, 88.3] (below it `expScaled` returns 0).
    @inline(__always)
    static func expClamped(_ x: F8) -> F8 {
        let lo = F8(repeating: -87.3), hi = F8(repeating: 88.3)
        return x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
    }

    /// x = n·ln 2 + r: `shifted` = 1.5·2²³ + n (n in its low mantissa bits), r by Cody–Waite's two-part ln 2.
    @inline(__always)
    static func expReduction(_ clamped: F8) -> (r: F8, shifted: F8) {
        let magic = F8(repeating: 12_582_912)                        // 1.5 · 2²³
        let shifted = magic.addingProduct(clamped, F8(repeating: 1.442_695_040_888_963_4))
        let n = shifted - magic
        var r = clamped.addingProduct(n, F8(repeating: -0.693_359_375))
        r = r.addingProduct(n, F8(repeating: 2.121_944_400_546_905_8e-4))
        return (r, shifted)
    }

    /// e^r ≈ 1 + r + r²·p(r): p's coefficients, highest power first (Horner: p = c0, then p = p·r + c_i).
    @inline(__always)
    static var expCoefficients: (Float, Float, Float, Float, Float, Float) {
        (1.987_569_150_0e-4, 1.398_199_950_7e-3, 8.333_451_907_3e-3, 4.166_579_589_4e-2, 1.666_666_545_9e-1,
         5.000_000_120_1e-1)
    }

    /// e^r from Horner's p: (r + 1) + p·r², fused.
    @inline(__always)
    static func expPolynomialEnd(_ r: F8, _ p: F8) -> F8 { (r + 1).addingProduct(p, r * r) }

    /// e^r · 2ⁿ, and 0 where the argument was below exp's range.
    @inline(__always)
    static func expScaled(_ er: F8, shifted: F8, argument x: F8) -> F8 {
        let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- Int32(bitPattern: 0x4B40_0000)
        let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: F8.self)
        return (er * scale).replacing(with: 0, where: x .< F8(repeating: -87.3))
    }

    /// 2ⁿ, or 0 where the argument was below exp's range: `expScaled(er, …)` is er · this, bit for bit, because
    /// e^r on the reduced range lies in [0.7, 1.5] (finite, positive: er · 0 = +0, what `expScaled` puts there).
    /// Lets a pass keep one vector (the scale) for the next instead of two (the shifted n and the argument).
    @inline(__always)
    static func expMaskedScale(shifted: F8, argument x: F8) -> F8 {
        let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- Int32(bitPattern: 0x4B40_0000)
        let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: F8.self)
        return scale.replacing(with: 0, where: x .< F8(repeating: -87.3))
    }

    /// erfc(z) ≈ t · exp(p(t) − z²), t = 1/(1 + z/2) (Numerical Recipes' erfcc): p's coefficients, highest first.
    @inline(__always)
    static var erfcCoefficients: (Float, Float, Float, Float, Float, Float, Float, Float, Float, Float) {
        (0.170_872_77, -0.822_152_23, 1.488_515_87, -1.135_203_98, 0.278_868_07, -0.186_288_06, 0.096_784_18,
         0.374_091_96, 1.000_023_68, -1.265_512_23)
    }

    @inline(__always)
    static func erfcReciprocal(_ z: F8) -> F8 { 1 / (1 + 0.5 * z) }

    @inline(__always)
    static func erfc(nonNegative z: F8) -> F8 {
        let t = erfcReciprocal(z)
        var p = F8(repeating: erfcCoefficients.0)
        p = fma(p, t, erfcCoefficients.1)
        p = fma(p, t, erfcCoefficients.2)
        p = fma(p, t, erfcCoefficients.3)
        p = fma(p, t, erfcCoefficients.4)
        p = fma(p, t, erfcCoefficients.5)
        p = fma(p, t, erfcCoefficients.6)
        p = fma(p, t, erfcCoefficients.7)
        p = fma(p, t, erfcCoefficients.8)
        p = fma(p, t, erfcCoefficients.9)
        return t * exp(p - z * z)
    }

    /// |x| · √½, erfc's argument in Φ(x) = erfc(−x/√2)/2.
    @inline(__always)
    static func normalCDFArgument(_ x: F8) -> F8 {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: F8.self) * 0.707_106_781_186_547_5
    }

    @inline(__always)
    static func normalCDF(_ x: F8) -> F8 { normalCDF(x, erfc: erfc(nonNegative: normalCDFArgument(x))) }

    /// Φ(x) from erfc(|x|/√2): half of it for x ≤ 0, 1 − half for x > 0.
    @inline(__always)
    static func normalCDF(_ x: F8, erfc e: F8) -> F8 {
        let half = 0.5 * e
        return half.replacing(with: 1 - half, where: x .> 0)
    }
}
