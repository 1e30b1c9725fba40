import ThawBLAS
import ThawCore
import ThawTraining

/// K independent dense layers `y_k = x_k · W_kᵀ + b_k` evaluated together.
///
/// With `sharedInput` every head reads the same x[B, in] and one GEMM serves all of them:
/// y[B, K·out] = x[B, in] · W[K·out, in]ᵀ. Otherwise x is [B, K·in] (head k in columns
/// k·in ..< (k+1)·in) and each head runs its own strided GEMM.
/// Weight layout per head is torch's `nn.Linear.weight` ([out, in]).
public final class StackedLinear {
    public let heads: Int
    public let inFeatures: Int
    public let outFeatures: Int
    public let sharedInput: Bool
    public let weight: Parameter   // [K·out, in]
    public let bias: Parameter     // [K·out]

    public init(name: String, heads: Int, inFeatures: Int, outFeatures: Int, sharedInput: Bool) {
        self.heads = heads
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.sharedInput = sharedInput
        weight = Parameter(name: name + ".weight", heads: heads, perHead: outFeatures * inFeatures, decays: true)
        bias = Parameter(name: name + ".bias", heads: heads, perHead: outFeatures, decays: false)
    }

    /// torch's default init U(−1/√in, 1/√in) for weight and bias, from head k's generator.
    public func initialize(head k: Int, rng: inout SplitMix64) {
        let bound = 1 / Float(inFeatures).squareRoot()
        let nW = outFeatures * inFeatures
        for i in 0..<nW { weight.value[k * nW + i] = (2 * rng.nextUnitFloat() - 1) * bound }
        for i in 0..<outFeatures { bias.value[k * outFeatures + i] = (2 * rng.nextUnitFloat() - 1) * bound }
    }

    /// y[B, K·out] = x · Wᵀ + b (overwrites y).
    public func forward(x: UnsafePointer<Float>, batch: Int, y: UnsafeMutablePointer<Float>) {
        let ko = heads * outFeatures
        bias.value.withUnsafeBufferPointer { b in
            for r in 0..<batch { (y + r * ko).update(from: b.baseAddress!, count: ko) }
        }
        weight.value.withUnsafeBufferPointer { w in
            if sharedInput {
                BLAS.sgemm(transB: true, m: batch, n: ko, k: inFeatures, a: x, lda: inFeatures,
                           b: w.baseAddress!, ldb: inFeatures, beta: 1, c: y, ldc: ko)
            } else {
                for k in 0..<heads {
                    BLAS.sgemm(transB: true, m: batch, n: outFeatures, k: inFeatures,
                               a: x + k * inFeatures, lda: heads * inFeatures,
                               b: w.baseAddress! + k * outFeatures * inFeatures, ldb: inFeatures,
                               beta: 1, c: y + k * outFeatures, ldc: ko)
                }
            }
        }
    }

    /// Accumulates dW += dyᵀ·x and db += Σ_rows dy; writes dx (overwrites) when given.
    /// dy: [B, K·out]; x: the forward input; dx: shaped like x.
    public func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int,
                         dx: UnsafeMutablePointer<Float>?) {
        let ko = heads * outFeatures
        bias.grad.withUnsafeMutableBufferPointer { db in
            for r in 0..<batch {
                let row = dy + r * ko
                for j in 0..<ko { db[j] += row[j] }
            }
        }
        weight.grad.withUnsafeMutableBufferPointer { dw in
            if sharedInput {
                BLAS.sgemm(transA: true, m: ko, n: inFeatures, k: batch, a: dy, lda: ko,
                           b: x, ldb: inFeatures, beta: 1, c: dw.baseAddress!, ldc: inFeatures)
            } else {
                for k in 0..<heads {
                    BLAS.sgemm(transA: true, m: outFeatures, n: inFeatures, k: batch,
                               a: dy + k * outFeatures, lda: ko, b: x + k * inFeatures, ldb: heads * inFeatures,
                               beta: 1, c: dw.baseAddress! + k * outFeatures * inFeatures, ldc: inFeatures)
                }
            }
        }
        guard let dx else { return }
        weight.value.withUnsafeBufferPointer { w in
            if sharedInput {
                BLAS.sgemm(m: batch, n: inFeatures, k: ko, a: dy, lda: ko, b: w.baseAddress!, ldb: inFeatures,
                           beta: 0, c: dx, ldc: inFeatures)
            } else {
                for k in 0..<heads {
                    BLAS.sgemm(m: batch, n: inFeatures, k: outFeatures, a: dy + k * outFeatures, lda: ko,
                               b: w.baseAddress! + k * outFeatures * inFeatures, ldb: inFeatures,
                               beta: 0, c: dx + k * inFeatures, ldc: heads * inFeatures)
                }
            }
        }
    }
}
