extension AVX512Kernels {
    /// y = x · Φ(x) over `count` elements (GELU, erf form); y may be x. The arithmetic of ThawKernelsAVX2's
    /// `AVX2Kernels.gelu` (the same polynomials and fused multiply-adds, lane by lane: identical results) on
    /// sixteen lanes. Single-threaded; the caller splits the work.
    public static func gelu(x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 16 <= count {
            let v = load(x + i)
            store(v * GELULanes.normalCDF(v), y + i)
            i += 16
        }
        if i < count {
            var v = F16()
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let g = v * GELULanes.normalCDF(v)
            for j in 0..<(count - i) { y[i + j] = g[j] }
        }
    }
}

/// Lane-wise e^x, erfc and Φ on sixteen lanes (see ThawKernels' VectorMath for the derivations and accuracy).
enum GELULanes {
    typealias F16 = SIMD16<Float>

    /// c + a·b, fused.
    @inline(__always)
    static func fma(_ a: F16, _ b: F16, _ c: Float) -> F16 { F16(repeating: c).addingProduct(a, b) }

    @inline(__always)
    static func exp(_ x: F16) -> F16 {
        let lo = F16(repeating: -87.3), hi = F16(repeating: 88.3)
        let low = x .< lo
        let clamped = x.replacing(with: lo, where: low).replacing(with: hi, where: x .> hi)
        let magic = F16(repeating: 12_582_912)                       // 1.5 · 2²³
        let shifted = magic.addingProduct(clamped, F16(repeating: 1.442_695_040_888_963_4))
        let n = shifted - magic
        var r = clamped.addingProduct(n, F16(repeating: -0.693_359_375))
        r = r.addingProduct(n, F16(repeating: 2.121_944_400_546_905_8e-4))
        var p = F16(repeating: 1.987_569_150_0e-4)
        p = fma(p, r, 1.398_199_950_7e-3)
        p = fma(p, r, 8.333_451_907_3e-3)
        p = fma(p, r, 4.166_579_589_4e-2)
        p = fma(p, r, 1.666_666_545_9e-1)
        p = fma(p, r, 5.000_000_120_1e-1)
        let er = (r + 1).addingProduct(p, r * r)
        let nBits = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- Int32(bitPattern: 0x4B40_0000)
        let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: F16.self)
        return (er * scale).replacing(with: 0, where: low)
    }

    @inline(__always)
    static func erfc(nonNegative z: F16) -> F16 {
        let t = 1 / (1 + 0.5 * z)
        var p = F16(repeating: 0.170_872_77)
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
    static func normalCDF(_ x: F16) -> F16 {
        let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: F16.self)   // |x|
        let half = 0.5 * erfc(nonNegative: magnitude * 0.707_106_781_186_547_5)   // Φ(−|x|)
        return half.replacing(with: 1 - half, where: x .> 0)
    }
}
