extension AVX2Kernels {
    /// y [rows, C] = min(max(x [rows, C] · scale [C] + shift [C], low), high): a frozen BatchNorm with ReLU6 (0, 6) or none
    /// (±∞: no clamp), one pass on ymm registers (the loop is vectorised under `-target-cpu haswell`). The multiply and the
    /// add are rounded apart (no FMA) and the clamp follows Swift's `max`/`min`, so the floats equal `BatchNorm.forward`'s
    /// (x · scale + shift stored, then `Activation.applySerial`) exactly, NaN included. `y` may be `x`.
    public static func batchNormForwardRows(_ x: UnsafePointer<Float>, rows: Int, channels c: Int, scale: UnsafePointer<Float>,
                                            shift: UnsafePointer<Float>, low: Float, high: Float,
                                            into y: UnsafeMutablePointer<Float>) {
        let clamps = low != -.infinity || high != .infinity
        for r in 0..<rows {
            let xi = x + r * c, yo = y + r * c
            if clamps {
                for j in 0..<c { yo[j] = min(max(xi[j] * scale[j] + shift[j], low), high) }
            } else {
                for j in 0..<c { yo[j] = xi[j] * scale[j] + shift[j] }
            }
        }
    }
}
