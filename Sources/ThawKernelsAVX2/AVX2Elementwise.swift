extension AVX2Kernels {
    /// rows × channels values at stride ldy, in place: y = min(max(y + bias, low), high) (bias [channels] or nil).
    /// The baseline epilogue's arithmetic as plain loops, vectorised to 8 lanes here: identical results.
    public static func biasClampRows(_ y: UnsafeMutablePointer<Float>, rows: Int, channels c: Int, ldy: Int,
                                     bias: UnsafePointer<Float>?, low: Float, high: Float) {
        for r in 0..<rows {
            let row = y + r * ldy
            if let bias {
                for i in 0..<c { row[i] = min(max(row[i] + bias[i], low), high) }
            } else if low != -.infinity || high != .infinity {
                for i in 0..<c { row[i] = min(max(row[i], low), high) }
            }
        }
    }

    /// y[i] = min(max(y[i] + x[i], low), high) over `count` values (a residual add).
    public static func addClamp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float) {
        if low == -.infinity && high == .infinity {
            for i in 0..<count { y[i] += x[i] }
        } else {
            for i in 0..<count { y[i] = min(max(y[i] + x[i], low), high) }
        }
    }

    /// A GEMM tile's epilogue with the skip connection fused: rows × cols values at stride ldy, in place,
    /// y = min(max(y + bias + residual, low), high) (bias [cols] or nil; residual at stride ldr); bias first,
    /// then the residual, as the baseline build: identical results.
    public static func biasResidualClampRows(_ y: UnsafeMutablePointer<Float>, rows: Int, cols c: Int, ldy: Int,
                                             bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>, ldr: Int,
                                             low: Float, high: Float) {
        for r in 0..<rows {
            let row = y + r * ldy, skip = residual + r * ldr
            if let bias {
                for i in 0..<c { row[i] = min(max((row[i] + bias[i]) + skip[i], low), high) }
            } else {
                for i in 0..<c { row[i] = min(max(row[i] + skip[i], low), high) }
            }
        }
    }
}
