/// Four independent 8-lane vectors in step, for `AVX2Kernels.gelu`'s main loop (`wideLanes`):
/// each operation below is the 8-lane operation of AVX2Kernels.swift's e^x, erfc and Φ written four times side by side,
/// so the instruction stream holds four independent chains close together (LLVM's scheduler regroups them in part).
///
/// Why: one 8-lane Φ is a chain of ≈ 30 dependent operations (a divide, two polynomials): ≈ 130 cycles of latency
/// for ≈ 60 instructions. One vector at a time, the core's FP scheduler fills with the waiting chain and runs about
/// two vectors at once. Four chains in step: GELU 1.19–1.20× faster on one core (`wideLanes`). Swift
/// offers no better route: SIMD32<Float> and generic `SIMD` code compile to scalar lanes (seen in the disassembly),
/// SIMD16<Float> to split halves with spills (measured slower than one vector), and the 8-lane function called four
/// times is not inlined, so the four chains run one after the other.
///
/// Each lane does the 8-lane code's operations in the same order: identical floats (`AVX2WideLanesTests`).
struct F8x4 {
    typealias F8 = SIMD8<Float>
    typealias M8 = SIMDMask<SIMD8<Int32>>
    var a: F8, b: F8, c: F8, d: F8

    @inline(__always) init(_ a: F8, _ b: F8, _ c: F8, _ d: F8) { self.a = a; self.b = b; self.c = c; self.d = d }
    @inline(__always) init(repeating s: Float) { let v = F8(repeating: s); self.init(v, v, v, v) }
    /// 32 floats from p (any alignment).
    @inline(__always) init(_ p: UnsafePointer<Float>) {
        let r = UnsafeRawPointer(p)
        self.init(r.loadUnaligned(as: F8.self), r.loadUnaligned(fromByteOffset: 32, as: F8.self),
                  r.loadUnaligned(fromByteOffset: 64, as: F8.self), r.loadUnaligned(fromByteOffset: 96, as: F8.self))
    }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
        let r = UnsafeMutableRawPointer(p)
        r.storeBytes(of: a, as: F8.self); r.storeBytes(of: b, toByteOffset: 32, as: F8.self)
        r.storeBytes(of: c, toByteOffset: 64, as: F8.self); r.storeBytes(of: d, toByteOffset: 96, as: F8.self)
    }

    struct Mask { var a: M8, b: M8, c: M8, d: M8 }

    @inline(__always) static func + (l: F8x4, r: F8x4) -> F8x4 { F8x4(l.a + r.a, l.b + r.b, l.c + r.c, l.d + r.d) }
    @inline(__always) static func - (l: F8x4, r: F8x4) -> F8x4 { F8x4(l.a - r.a, l.b - r.b, l.c - r.c, l.d - r.d) }
    @inline(__always) static func * (l: F8x4, r: F8x4) -> F8x4 { F8x4(l.a * r.a, l.b * r.b, l.c * r.c, l.d * r.d) }
    @inline(__always) static func / (l: F8x4, r: F8x4) -> F8x4 { F8x4(l.a / r.a, l.b / r.b, l.c / r.c, l.d / r.d) }
    @inline(__always) static func .< (l: F8x4, r: F8x4) -> Mask { Mask(a: l.a .< r.a, b: l.b .< r.b, c: l.c .< r.c, d: l.d .< r.d) }
    @inline(__always) static func .> (l: F8x4, r: F8x4) -> Mask { Mask(a: l.a .> r.a, b: l.b .> r.b, c: l.c .> r.c, d: l.d .> r.d) }
    /// self + x·y, fused (`SIMD.addingProduct`).
    @inline(__always) func addingProduct(_ x: F8x4, _ y: F8x4) -> F8x4 {
        F8x4(a.addingProduct(x.a, y.a), b.addingProduct(x.b, y.b), c.addingProduct(x.c, y.c), d.addingProduct(x.d, y.d))
    }
    @inline(__always) func replacing(with v: F8x4, where m: Mask) -> F8x4 {
        F8x4(a.replacing(with: v.a, where: m.a), b.replacing(with: v.b, where: m.b),
             c.replacing(with: v.c, where: m.c), d.replacing(with: v.d, where: m.d))
    }
    /// 2ⁿ per lane from `shifted` = 1.5 · 2²³ + n (exp's rounding trick), as `AVX2Kernels.exp`'s bit arithmetic.
    @inline(__always) func powerOfTwoFromShifted() -> F8x4 {
        @inline(__always) func one(_ s: F8) -> F8 {
            let nBits = unsafeBitCast(s, to: SIMD8<Int32>.self) &- Int32(bitPattern: 0x4B40_0000)
            return unsafeBitCast((nBits &+ 127) &<< 23, to: F8.self)
        }
        return F8x4(one(a), one(b), one(c), one(d))
    }
    /// |x| per lane (the sign bit cleared), as `AVX2Kernels.normalCDF`.
    @inline(__always) func magnitude() -> F8x4 {
        @inline(__always) func one(_ v: F8) -> F8 {
            unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: F8.self)
        }
        return F8x4(one(a), one(b), one(c), one(d))
    }
}

extension AVX2Kernels {
    /// c + a·b, fused.
    @inline(__always)
    static func fma(_ a: F8x4, _ b: F8x4, _ c: Float) -> F8x4 { F8x4(repeating: c).addingProduct(a, b) }

    /// `exp(_: F8)` on four vectors.
    @inline(__always)
    static func exp(_ x: F8x4) -> F8x4 {
        let lo = F8x4(repeating: -87.3), hi = F8x4(repeating: 88.3)
        let low = x .< lo
        let clamped = x.replacing(with: lo, where: low).replacing(with: hi, where: x .> hi)
        let magic = F8x4(repeating: 12_582_912)                        // 1.5 · 2²³
        let shifted = magic.addingProduct(clamped, F8x4(repeating: 1.442_695_040_888_963_4))
        let n = shifted - magic
        var r = clamped.addingProduct(n, F8x4(repeating: -0.693_359_375))
        r = r.addingProduct(n, F8x4(repeating: 2.121_944_400_546_905_8e-4))
        var p = F8x4(repeating: 1.987_569_150_0e-4)
        p = fma(p, r, 1.398_199_950_7e-3)
        p = fma(p, r, 8.333_451_907_3e-3)
        p = fma(p, r, 4.166_579_589_4e-2)
        p = fma(p, r, 1.666_666_545_9e-1)
        p = fma(p, r, 5.000_000_120_1e-1)
        let er = (r + F8x4(repeating: 1)).addingProduct(p, r * r)
        return (er * shifted.powerOfTwoFromShifted()).replacing(with: F8x4(repeating: 0), where: low)
    }

    /// `erfc(nonNegative: F8)` on four vectors.
    @inline(__always)
    static func erfc(nonNegative z: F8x4) -> F8x4 {
        let t = F8x4(repeating: 1) / (F8x4(repeating: 1) + F8x4(repeating: 0.5) * z)
        var p = F8x4(repeating: 0.170_872_77)
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

    /// `normalCDF(_: F8)` on four vectors.
    @inline(__always)
    static func normalCDF(_ x: F8x4) -> F8x4 {
        let half = F8x4(repeating: 0.5) * erfc(nonNegative: x.magnitude() * F8x4(repeating: 0.707_106_781_186_547_5))
        return half.replacing(with: F8x4(repeating: 1) - half, where: x .> F8x4(repeating: 0))
    }
}
