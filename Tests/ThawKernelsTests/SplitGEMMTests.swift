import ThawBLAS
import ThawKernels
import XCTest

/// SplitGEMM's parts (by columns when A is the smaller operand, by rows when B is) give one sgemm's C
/// to float rounding (OpenBLAS picks its edge kernels by the part's shape).
final class SplitGEMMTests: XCTestCase {
    func testSplitsEqualOneCall() throws {
        _ = try BLAS.load()
        let saved = SplitGEMM.maxRows
        defer { SplitGEMM.maxRows = saved }
        SplitGEMM.maxRows = 1 << 20
        // (m, n, k, lda, ldc, beta): rows ≤ columns, rows > columns, padded leading dimensions, β = 1.
        for (m, n, k, lda, ldc, beta) in [(49, 512, 300, 300, 512, Float(0)), (3136, 64, 147, 150, 70, 0),
                                          (200, 130, 33, 40, 140, 1), (1000, 1000, 64, 64, 1000, 1)] {
            let a = FiniteDifference.random(m * lda, seed: UInt64(m))
            let b = FiniteDifference.random(k * n, seed: UInt64(n))
            let c0 = FiniteDifference.random(m * ldc, seed: 7)
            var want = c0, got = c0
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    want.withUnsafeMutableBufferPointer {
                        BLAS.sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: n,
                                   beta: beta, c: $0.baseAddress!, ldc: ldc)
                    }
                    got.withUnsafeMutableBufferPointer {
                        SplitGEMM.sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: n,
                                        beta: beta, c: $0.baseAddress!, ldc: ldc)
                    }
                }
            }
            BackwardGolden.assertClose(got, want, rtol: 1e-4, "split \(m)×\(n)×\(k) β=\(beta)")
        }
    }
}
