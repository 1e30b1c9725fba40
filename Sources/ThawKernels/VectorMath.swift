/// exp and erfc on 8 lanes at once, for the element-wise kernels (softmax, GELU) whose scalar
/// `expf`/`erff` calls cost as much as the GEMMs around them.
///
/// Accuracy (checked against float64 in `VectorMathTests`): exp within 2 ulp on [−87, 88];
/// erfc within 1.2e-7 relative plus float rounding of its argument (≈ 3e-7 relative for z ≤ 4).
public enum VectorMath {
    public typealias F8 = SIMD8<Float>

    /// e^x, lane-wise. Below −87.3 the result is 0 (e^x is subnormal or smaller there);
    /// above 88.3 it saturates at the largest finite power (use only on bounded inputs).
    @inlinable @inline(__always)
    public static func exp(_ x: F8) -> F8 {
        // x = n·ln2 + r with |r| ≤ ln2/2; n = round(x·log2 e), found with the 1.5·2²³ trick: after
        // adding the magic constant the low mantissa bits hold n, so no float→int conversion.
        // Pitfall: SIMD `clamped`/`pointwiseMin` are not inlined here (a call per vector, lanes one
        // by one); `replacing(with:where:)` compiles to a compare and a blend.
        let lo = F8(repeating: -87.3), hi = F8(repeating: 88.3)
        let low = x .< lo
        let clamped = x.replacing(with: lo, where: low).replacing(with: hi, where: x .> hi)
        let magic = F8(repeating: 12_582_912)                        // 1.5 · 2²³
        let shifted = clamped * 1.442_695_040_888_963_4 + magic
        let n = shifted - magic
        var r = clamped - n * 0.693_359_375                           // ln2, high part (exact in float)
        r = r + n * 2.121_944_400_546_905_8e-4                        // minus the low part of ln2
        // e^r on |r| ≤ 0.35: the Cephes minimax polynomial (relative error ~1e-7).
        var p = F8(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let er = p * (r * r) + r + 1
        // 2ⁿ: n sits in the low bits of `shifted` (offset by the magic's own pattern).
        let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- Int32(bitPattern: 0x4B40_0000)
        let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: F8.self)
        return (er * scale).replacing(with: 0, where: low)
    }

    /// erfc(z) for z ≥ 0, lane-wise: the Chebyshev-fitted form t·exp(−z² + P(t)), t = 1/(1 + z/2),
    /// whose fractional error is below 1.2e-7 for every z ≥ 0 (Numerical Recipes' `erfcc`).
    @inline(__always)
    static func erfc(nonNegative z: F8) -> F8 {
        let t = 1 / (1 + 0.5 * z)
        var p = F8(repeating: 0.170_872_77)
        p = p * t - 0.822_152_23
        p = p * t + 1.488_515_87
        p = p * t - 1.135_203_98
        p = p * t + 0.278_868_07
        p = p * t - 0.186_288_06
        p = p * t + 0.096_784_18
        p = p * t + 0.374_091_96
        p = p * t + 1.000_023_68
        p = p * t - 1.265_512_23
        return t * exp(p - z * z)
    }

    /// 0.5·(1 + erf(x/√2)), the standard normal CDF, lane-wise.
    @inline(__always)
    static func normalCDF(_ x: F8) -> F8 {
        let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: F8.self)   // |x|
        let half = 0.5 * erfc(nonNegative: magnitude * 0.707_106_781_186_547_5)   // Φ(−|x|)
        return half.replacing(with: 1 - half, where: x .> 0)
    }
}
