import Dispatch
import Foundation
import ThawBLAS

extension SplitGEMM {
    /// C[M,N] = op(A)·op(B) + beta·C split into parts over the cores, each part one single-threaded
    /// sgemm (row-major; op(A) = Aᵀ when `transA`, A then stored [K, M]; op(B) = Bᵀ when `transB`,
    /// B then stored [N, K]). For the backward GEMMs of training (dW = xᵀ·dy, dx = dy·Wᵀ over a whole
    /// chunk): run on the same threads as the element-wise kernels around them, so no OpenBLAS thread is
    /// left spinning while those run, and a core that runs slower takes fewer parts (`SplitGEMM`'s
    /// measurements). Unlike `sgemm(m:n:k:…)` any M is split. Results equal one call's to float rounding.
    public static func sgemmParts(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let byColumns = m <= n
        let parts = min(cores * partsPerCore, (byColumns ? n : m) / 64)   // ≥ 64 columns / rows per part
        guard enabled, cores > 1, BLAS.threads > 1, parts > 1 else {
            BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c, ldc: ldc)
            return
        }
        BLAS.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                // Part boundaries on multiples of 16 (whole micro-kernel panels).
                let extent = byColumns ? n : m
                let lo = (extent * p / parts) & ~15, hi = p == parts - 1 ? extent : (extent * (p + 1) / parts) & ~15
                if hi <= lo { return }
                if byColumns {
                    // Columns lo..<hi of op(B): B + lo (B [K, N]) or rows lo..<hi of B [N, K].
                    BLAS.sgemm(transA: transA, transB: transB, m: m, n: hi - lo, k: k, a: a, lda: lda,
                               b: transB ? b + lo * ldb : b + lo, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
                } else {
                    // Rows lo..<hi of op(A): rows of A [M, K] or columns of A [K, M].
                    BLAS.sgemm(transA: transA, transB: transB, m: hi - lo, n: n, k: k, a: transA ? a + lo : a + lo * lda,
                               lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
                }
            }
        }
    }
}
