import ThawBLAS

/// Weights of a fully connected layer, stored as PyTorch stores them.
public struct LinearParameters: Sendable {
    public var weight: [Float]   // [out, in]
    public var bias: [Float]     // [out]
    public let inFeatures: Int
    public let outFeatures: Int

    public init(weight: [Float], bias: [Float], inFeatures: Int, outFeatures: Int) {
        precondition(weight.count == outFeatures * inFeatures,
                     "Linear: weight must be [out \(outFeatures), in \(inFeatures)], got \(weight.count) elements")
        precondition(bias.count == outFeatures, "Linear: bias must be [out \(outFeatures)], got \(bias.count)")
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }
}

/// y = x · Wᵀ + b, one sgemm (the bias is broadcast into y first, then accumulated with β = 1).
/// With `accumulate`, y += x · Wᵀ + b instead: a residual connection for free.
/// Backward needs only x (dW = dyᵀ·x, dx = dy·W, db = Σ dy).
public enum Linear {
    /// - Parameters:
    ///   - x: [rows, in], row-major.
    ///   - y: [rows, out]; must not overlap x.
    public static func forward(_ p: LinearParameters, x: UnsafePointer<Float>, rows: Int,
                               y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let n = p.outFeatures
        p.bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let yr = y + r * n
                if accumulate {
                    for i in 0..<n { yr[i] += b[i] }
                } else {
                    yr.update(from: b.baseAddress!, count: n)
                }
            }
        }
        p.weight.withUnsafeBufferPointer { w in
            BLAS.sgemm(transB: true, m: rows, n: n, k: p.inFeatures,
                       a: x, lda: p.inFeatures, b: w.baseAddress!, ldb: p.inFeatures,
                       beta: 1, c: y, ldc: n)
        }
    }
}
