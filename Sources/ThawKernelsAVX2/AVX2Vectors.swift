extension AVX2Kernels {
    /// Eight floats from p (any alignment): one ymm load.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }

    /// Eight floats to p (any alignment): one ymm store.
    @inline(__always)
    static func store(_ v: F8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self) }

    /// p[0..<count] = min(max(p, low), high) in place; nothing when the bounds are ±∞ (a plain loop: vectorised).
    @inline(__always)
    static func clamp(_ p: UnsafeMutablePointer<Float>, count: Int, _ low: Float, _ high: Float) {
        if low == -.infinity && high == .infinity { return }
        for i in 0..<count { p[i] = min(max(p[i], low), high) }
    }

    /// min(max(v, low), high) lane by lane with Swift's `max`/`min` rules (`max(x, y)` is y when y ≥ x, `min(x, y)` is
    /// y when y < x), so a NaN passes through and max(−0, +0) is +0: `clamp`'s floats exactly, in registers.
    @inline(__always)
    static func clamped(_ v: F8, _ low: F8, _ high: F8) -> F8 {
        let m = v.replacing(with: low, where: low .>= v)
        return m.replacing(with: high, where: high .< m)
    }
}
