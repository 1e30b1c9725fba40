extension AVX512Kernels {
    /// The 1×1 kernel's epilogue clamps finished vectors in registers (`clamped`) before their one store; off
    /// (default): store, then `clamp` the stored floats in L1. Same floats either way. Off is faster since the
    /// tile's row epilogue is inlined (`finishRow` is `@_transparent`): `storeClamped` stays an out-of-line call
    /// (its SIMD16 argument passed as four xmm registers), and made `@_transparent` its lane loop no longer
    /// vectorises (7 GFLOP/s). Benchmarks compare both (`--register-clamp`).
    nonisolated(unsafe) public static var registerClamp = false

    /// min(max(v[i], low), high) per lane — the expression `clamp` applies in memory, so the same floats
    /// (NaN stays NaN). Pitfall: written as a lane loop on purpose; it compiles to one compare, one masked
    /// move and one vminps, while SIMD16's `pointwiseMin`/`clamped`/`replacing(with:where:)` compile to
    /// out-of-line lane-by-lane code through the stack.
    @inline(__always)
    static func clamped(_ v: F16, _ low: Float, _ high: Float) -> F16 {
        var r = v
        for i in 0..<16 { r[i] = min(max(v[i], low), high) }
        return r
    }

    /// Stores v to p clamped to [low, high] (`clamps` false: unclamped, for ±infinity bounds).
    @inline(__always)
    static func storeClamped(_ v: F16, _ p: UnsafeMutablePointer<Float>, clamps: Bool, _ low: Float, _ high: Float) {
        store(clamps ? clamped(v, low, high) : v, p)
    }
}
