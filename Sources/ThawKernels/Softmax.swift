/// Row-wise softmax, stable: exp(x − max) / Σ exp(x − max).
/// Rows that are entirely −∞ would divide 0 by 0; mask with a large finite negative instead
/// (as `Attention` does). Backward needs only the output y.
public enum Softmax {
    /// In place on x: [rows, columns].
    public static func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, columns n: Int) {
        precondition(n > 0, "Softmax: columns must be positive")
        TransformerRows.forEach(rows: rows, costPerRow: 4 * n) { range in
            for r in range {
                row(x + r * n, count: n)
            }
        }
    }

    /// One row in place; used inside kernels that already run on all cores. Eight lanes at a time.
    @inline(__always)
    static func row(_ xr: UnsafeMutablePointer<Float>, count n: Int) {
        var m = xr[0]
        for i in 1..<n where xr[i] > m { m = xr[i] }
        var sum8 = SIMD8<Float>()
        var i = 0
        while i < n {
            let lanes = min(8, n - i)
            // Lanes past the row end load as 0 and are never stored: mask them out of the sum.
            var e = VectorMath.exp(Lanes8.load(xr + i, count: lanes) - m)
            if lanes < 8 { for j in lanes..<8 { e[j] = 0 } }
            Lanes8.store(e, to: xr + i, count: lanes)
            sum8 += e
            i += 8
        }
        let inv = 1 / sum8.sum()
        for i in 0..<n { xr[i] *= inv }
    }
}
