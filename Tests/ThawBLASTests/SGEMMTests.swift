import XCTest
@testable import ThawBLAS

final class SGEMMTests: XCTestCase {
    /// Naive triple loop in Double: the reference for every transpose combination.
    private func reference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = transA ? a[p * m + i] : a[i * k + p]
                let bv = transB ? b[j * k + p] : b[p * n + j]
                s += Double(av) * Double(bv)
            }
            c[i * n + j] = Float(s)
        } }
        return c
    }

    func testAllTransposesMatchNaiveProduct() throws {
        try BLAS.load()
        var rng = SystemRandomNumberGenerator()
        let (m, n, k) = (37, 53, 71)   // odd sizes exercise the kernels' edge handling
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        for transA in [false, true] { for transB in [false, true] {
            var c = [Float](repeating: 0, count: m * n)
            BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k,
                       a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, c: &c, ldc: n)
            let ref = reference(a, b, m: m, n: n, k: k, transA: transA, transB: transB)
            let worst = zip(c, ref).map { abs($0 - $1) }.reduce(Float(0)) { $0.isNaN || $1.isNaN ? .nan : max($0, $1) }   // NaN-aware, unlike max()
            XCTAssertLessThan(worst, 1e-4, "transA=\(transA) transB=\(transB) worst abs error \(worst)")
        } }
    }

    func testBetaAccumulates() throws {
        try BLAS.load()
        let a: [Float] = [1, 2, 3, 4]   // [2,2]
        let b: [Float] = [1, 0, 0, 1]
        var c: [Float] = [10, 10, 10, 10]
        BLAS.sgemm(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, beta: 1, c: &c, ldc: 2)
        XCTAssertEqual(c, [11, 12, 13, 14])
    }

    func testLoadedKernelIsTheChosenOne() throws {
        let info = try BLAS.load()
        XCTAssertFalse(info.corename.isEmpty)
        if let wanted = info.choice.coretype {
            XCTAssertEqual(info.corename.lowercased(), wanted.lowercased(),
                           "asked OpenBLAS for \(wanted), it runs \(info.corename)")
        }
        XCTAssertGreaterThan(info.threads, 0)
    }
}
