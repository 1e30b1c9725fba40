import ThawBLAS

/// Backward of `Linear.forward` (y = x · Wᵀ + b): two sgemms and a column sum.
///
/// dx = dy · W is written (or added, with `accumulateInput`); dW += dyᵀ · x and db += Σ_rows dy
/// accumulate into caller-owned buffers (zero them before the first micro-batch).
extension Linear {
    /// - Parameters:
    ///   - x: [rows, in], the forward input.
    ///   - dy: [rows, out], gradient of the loss with respect to y.
    ///   - dx: [rows, in] or nil when the input needs no gradient.
    ///   - dWeight: [out, in], accumulated. dBias: [out], accumulated.
    public static func backward(_ p: LinearParameters, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int,
                                dx: UnsafeMutablePointer<Float>?, accumulateInput: Bool = false,
                                dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>) {
        let n = p.outFeatures, k = p.inFeatures
        if let dx {
            p.weight.withUnsafeBufferPointer { w in
                BLAS.sgemm(m: rows, n: k, k: n, a: dy, lda: n, b: w.baseAddress!, ldb: k,
                           beta: accumulateInput ? 1 : 0, c: dx, ldc: k)
            }
        }
        // dW [out, in] += dyᵀ [out, rows] · x [rows, in]
        BLAS.sgemm(transA: true, m: n, n: k, k: rows, a: dy, lda: n, b: x, ldb: k, beta: 1, c: dWeight, ldc: k)
        columnSums(dy, rows: rows, columns: n, into: dBias)
    }
}

/// sums[j] += Σ_r m[r, j] over a row-major [rows, columns] matrix (the bias gradient).
/// Rows are added in order on one thread: a deterministic result, vectorised over columns.
func columnSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = m + r * columns
        for j in 0..<columns { sums[j] += row[j] }
    }
}
