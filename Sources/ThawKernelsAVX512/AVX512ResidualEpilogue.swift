extension AVX512Kernels {
    /// A GEMM tile's epilogue with the skip connection fused: rows × cols values at stride ldy, in place,
    /// y = min(max(y + bias + residual, low), high) (bias [cols] or nil; residual at stride ldr). The
    /// baseline build's arithmetic and order (bias first, then the residual) as plain loops, which
    /// vectorise to 16 lanes: identical results.
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
