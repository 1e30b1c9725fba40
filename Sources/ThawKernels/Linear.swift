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
    ///   - splitRows: split the rows over the cores, each part one single-threaded sgemm (see
    ///     `RowSplit`); for the large GEMMs of kernels whose other steps run on the cores too.
    public static func forward(_ p: LinearParameters, x: UnsafePointer<Float>, rows: Int,
                               y: UnsafeMutablePointer<Float>, accumulate: Bool = false, splitRows: Bool = false) {
        let n = p.outFeatures, k = p.inFeatures
        p.bias.withUnsafeBufferPointer { b in
        p.weight.withUnsafeBufferPointer { w in
            RowSplit.run(rows: rows, enabled: splitRows) { lo, hi in
                for r in lo..<hi {
                    let yr = y + r * n
                    if accumulate {
                        for i in 0..<n { yr[i] += b[i] }
                    } else {
                        yr.update(from: b.baseAddress!, count: n)
                    }
                }
                BLAS.sgemm(transB: true, m: hi - lo, n: n, k: k,
                           a: x + lo * k, lda: k, b: w.baseAddress!, ldb: k,
                           beta: 1, c: y + lo * n, ldc: n)
            }
        }}
    }
}
