import Dispatch
import Foundation
import ThawBLAS

/// C[M,N] = A[M,K] · B[K,N] + beta·C for GEMMs with few rows — batch-1 convolutions on 28×28 and
/// smaller maps (M ≤ 2,048), linear layers on a few samples — split into parts over the cores, each
/// part one single-threaded sgemm. OpenBLAS's own threads partition such a GEMM mostly along M,
/// which leaves each thread a sliver of rows and the packed B re-read per thread, and its static
/// halves wait for the slower core: on a shared VM one vCPU runs ±15% slower than the other for
/// seconds at a time (single-threaded ResNet-50 batch 1 pinned to one vCPU: 5.6–7.4 img/s). With
/// several parts per core, the faster core takes more of them.
/// Larger GEMMs go straight to OpenBLAS. Results equal a single call's to float rounding: each
/// output element is still one dot product over K, but OpenBLAS picks edge kernels by the part's shape.
public enum SplitGEMM {
    /// GEMMs with at most this many rows are split (when the split side is wide enough to share).
    public static var maxRows = 2048
    /// Turns the split off (benchmarks compare both paths).
    public static var enabled = true
    /// Parts per core (more parts let a core that runs slower take fewer of them).
    public static var partsPerCore = 4

    /// Row-major; A with leading dimension lda, B [K, N] with ldb, C with ldc.
    public static func sgemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard enabled, cores > 1, m <= maxRows, BLAS.threads > 1 else {
            BLAS.sgemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        // Each part packs the whole operand it shares: split the columns when A is the smaller one
        // (few rows: late layers), the rows when B is (many rows, few channels: early layers).
        let byColumns = m <= n
        let want = cores * partsPerCore
        let parts = byColumns ? min(want, n / 64) : min(want, m / 64)     // ≥ 64 columns / rows per part
        guard parts > 1 else {
            BLAS.sgemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        BLAS.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                // Part boundaries on multiples of 16 (whole micro-kernel panels).
                let extent = byColumns ? n : m
                let lo = (extent * p / parts) & ~15, hi = p == parts - 1 ? extent : (extent * (p + 1) / parts) & ~15
                if byColumns {
                    BLAS.sgemm(m: m, n: hi - lo, k: k, a: a, lda: lda, b: b + lo, ldb: ldb,
                               beta: beta, c: c + lo, ldc: ldc)
                } else {
                    BLAS.sgemm(m: hi - lo, n: n, k: k, a: a + lo * lda, lda: lda, b: b, ldb: ldb,
                               beta: beta, c: c + lo * ldc, ldc: ldc)
                }
            }
        }
    }
}
