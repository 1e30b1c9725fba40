/// Backward of the row softmax from its output: dx = y ⊙ (dy − Σ_j dy_j·y_j), row by row.
extension Softmax {
    /// - y: [rows, columns], the softmax output; dy: gradient; dx may be dy (in place).
    public static func backward(y: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int, columns n: Int,
                                dx: UnsafeMutablePointer<Float>) {
        TransformerRows.forEach(rows: rows, costPerRow: 3 * n) { range in
            for r in range { rowBackward(y: y + r * n, dy: dy + r * n, count: n, dx: dx + r * n) }
        }
    }

    /// One row; used inside kernels already split across cores.
    @inline(__always)
    static func rowBackward(y: UnsafePointer<Float>, dy: UnsafePointer<Float>, count n: Int,
                            dx: UnsafeMutablePointer<Float>) {
        var dot: Float = 0
        for j in 0..<n { dot += dy[j] * y[j] }
        for j in 0..<n { dx[j] = y[j] * (dy[j] - dot) }
    }
}
