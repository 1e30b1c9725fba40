import ThawKernelsAVX2
import ThawKernelsAVX512

/// GELU, erf form (BERT's "gelu"): 0.5 · x · (1 + erf(x / √2)) = x · Φ(x).
/// Not the tanh approximation, which differs by up to ~5e-4. Backward needs x.
/// Eight lanes at a time through `VectorMath.normalCDF` (within 1e-6 of float64 erf; see tests),
/// or the AVX2+FMA build of the same code, or its sixteen-lane AVX-512 build (`VectorISA`; identical results).
public enum GELU {
    /// Whether the AVX2 build runs GELU in short passes over a small scratch (`AVX2Kernels.geluInRuns`, ≈ 2.3× faster
    /// on Zen 2) instead of one dependent chain per vector; the same floats either way.
    public static var avx2InPasses: Bool {
        get { AVX2Kernels.geluInPasses }
        set { AVX2Kernels.geluInPasses = newValue }
    }

    /// y = gelu(x) over `count` elements; y may be x (in place).
    public static func forward(x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
        Lanes8.blocks(count: count, costPerElement: 8) { lo, hi in
            if VectorISA.avx512 {
                AVX512Kernels.gelu(x: x + lo, count: hi - lo, y: y + lo)
                return
            }
            if VectorISA.avx2FMA {
                AVX2Kernels.gelu(x: x + lo, count: hi - lo, y: y + lo)
                return
            }
            // The loop is written out here: a per-8-lanes closure call is not inlined and costs
            // as much as the arithmetic.
            var i = lo
            while i + 8 <= hi {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(y + i).storeBytes(of: v * VectorMath.normalCDF(v), as: SIMD8<Float>.self)
                i += 8
            }
            if i < hi {
                let v = Lanes8.load(x + i, count: hi - i)
                Lanes8.store(v * VectorMath.normalCDF(v), to: y + i, count: hi - i)
            }
        }
    }
}

/// Splits `count` elements into 8-lane steps spread over the cores; the last step may be short.
public enum Lanes8 {
    static let block = 4096                                   // elements per scheduling unit

    /// Calls `body(lo, hi)` on disjoint element ranges covering 0..<count, spread over the cores;
    /// each range starts on a multiple of 8 (the body loops over it itself).
    @inline(__always)
    static func blocks(count: Int, costPerElement: Int, _ body: (Int, Int) -> Void) {
        TransformerRows.forEach(rows: (count + block - 1) / block, costPerRow: costPerElement * block) { range in
            body(range.lowerBound * block, min(count, range.upperBound * block))
        }
    }

    /// Calls `body(start, lanes)` for every 8-element step (lanes = 8 except maybe the last).
    @inline(__always)
    static func map(count: Int, costPerElement: Int, _ body: (Int, Int) -> Void) {
        blocks(count: count, costPerElement: costPerElement) { lo, end in
            var i = lo
            while i < end {
                body(i, min(8, end - i))
                i += 8
            }
        }
    }

    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, count n: Int) -> SIMD8<Float> {
        if n == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>()
        for j in 0..<n { v[j] = p[j] }
        return v
    }

    @inlinable @inline(__always)
    public static func store(_ v: SIMD8<Float>, to p: UnsafeMutablePointer<Float>, count n: Int) {
        if n == 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
        for j in 0..<n { p[j] = v[j] }
    }
}
