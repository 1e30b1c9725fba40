import Foundation

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

    /// One row in place; used inside kernels that already run on all cores.
    @inline(__always)
    static func row(_ xr: UnsafeMutablePointer<Float>, count n: Int) {
        var m = xr[0]
        for i in 1..<n where xr[i] > m { m = xr[i] }
        var sum: Float = 0
        for i in 0..<n {
            let e = expf(xr[i] - m)
            xr[i] = e
            sum += e
        }
        let inv = 1 / sum
        for i in 0..<n { xr[i] *= inv }
    }
}
