/// fp16 and bf16 conversions by bit manipulation: encode rounds to nearest, ties to even;
/// decode is exact (widens to f32). NaN stays NaN (quiet, sign kept); overflow gives ±inf.
/// `@inlinable` so the per-element loops of the store and the weight readers inline them.
public enum HalfFloat {
    /// IEEE binary16 bits of `x`.
    @inlinable @inline(__always)
    public static func f16Bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        let sign = UInt16((b >> 16) & 0x8000)
        let exp = Int((b >> 23) & 0xFF)
        let mant = b & 0x7F_FFFF
        if exp == 0xFF {                        // inf or NaN
            return mant == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(mant >> 13)
        }
        let e = exp - 127 + 15                   // rebias
        if e >= 0x1F { return sign | 0x7C00 }    // too large: inf
        if e <= 0 {                              // subnormal half (or zero)
            if e < -10 { return sign }           // below half the smallest subnormal: ±0
            let m = mant | 0x80_0000             // implicit bit; value = m · 2^(e-1-23) in half ulps
            let shift = UInt32(14 - e)           // 14..24
            var h = m >> shift
            let rem = m & ((1 << shift) - 1)
            let half = UInt32(1) << (shift - 1)
            if rem > half || (rem == half && (h & 1) == 1) { h += 1 }
            return sign | UInt16(h)              // a carry into bit 10 yields the smallest normal, as it should
        }
        var h = UInt32(e) << 10 | (mant >> 13)
        let rem = mant & 0x1FFF
        if rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1) { h += 1 }  // a carry may round up to inf: correct
        return sign | UInt16(h)
    }

    /// The f32 value of IEEE binary16 bits.
    @inlinable @inline(__always)
    public static func f16Value(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32((h >> 10) & 0x1F)
        let mant = UInt32(h & 0x3FF)
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        if exp == 0 {
            // subnormal: mant · 2^-24, exact in f32
            let v = Float(mant) * 0x1p-24
            return sign != 0 ? -v : v
        }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
    }

    /// bfloat16 bits of `x` (the top 16 bits of f32, rounded to nearest even).
    @inlinable @inline(__always)
    public static func bf16Bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if x.isNaN { return UInt16(b >> 16) | 0x0040 }  // keep it NaN after truncation
        let rounded = b &+ 0x7FFF &+ ((b >> 16) & 1)
        return UInt16(rounded >> 16)
    }

    /// The f32 value of bfloat16 bits.
    @inlinable @inline(__always)
    public static func bf16Value(_ h: UInt16) -> Float {
        Float(bitPattern: UInt32(h) << 16)
    }
}
