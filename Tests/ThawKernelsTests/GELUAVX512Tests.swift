import ThawBLAS
import XCTest
@testable import ThawKernels

/// GELU's sixteen-lane AVX-512 build against its AVX2+FMA build (the same arithmetic: identical values) and the
/// baseline build (within 1e-6 relative to max(1, |y|)), on lengths that leave every tail 1…15 and on NaN and ±∞
/// inputs (NaN only where x is NaN or −∞, as PyTorch). `GELUTests` checks the default build against PyTorch.
final class GELUAVX512Tests: XCTestCase {
    override func tearDown() {
        VectorISA.avx512 = CPUFeatures.current.hasAVX512
        VectorISA.avx2FMA = CPUFeatures.current.hasAVX2FMA
    }

    private func gelu(_ x: [Float], avx512: Bool, avx2: Bool) -> [Float] {
        VectorISA.avx512 = avx512
        VectorISA.avx2FMA = avx2
        var y = [Float](repeating: -7, count: x.count)
        GELU.forward(x: x, count: x.count, y: &y)
        return y
    }

    func testBuildsAgreeWithTailsAndNonFinite() throws {
        guard CPUFeatures.current.hasAVX512 else { throw XCTSkip("this CPU has no AVX-512: GELUTests covers its builds") }
        for n in [1, 7, 15, 16, 17, 31, 1_000, 10_007] {
            var x = (0..<n).map { Float($0 % 4001) / 200 - 10 }              // −10 … 10
            if n > 20 { x[3] = .nan; x[9] = .infinity; x[10] = -.infinity; x[n - 1] = .nan }
            let wide = gelu(x, avx512: true, avx2: true), narrow = gelu(x, avx512: false, avx2: true)
            let baseline = gelu(x, avx512: false, avx2: false)
            for i in 0..<n {
                XCTAssertTrue(wide[i] == narrow[i] || (wide[i].isNaN && narrow[i].isNaN),
                              "n \(n), x[\(i)] = \(x[i]): AVX-512 \(wide[i]), AVX2 \(narrow[i])")
            }
            // −∞ · Φ(−∞) = −∞ · 0 is NaN, as in PyTorch.
            XCTAssertEqual(wide.indices.filter { wide[$0].isNaN }, x.indices.filter { x[$0].isNaN || x[$0] == -.infinity },
                           "n \(n): NaN only where x is NaN or −∞")
            let finite = x.indices.filter { x[$0].isFinite }
            TransformerGolden.assertClose(finite.map { wide[$0] }, finite.map { baseline[$0] }, rtol: 1e-6, floor: 1,
                                          "n \(n): AVX-512 against the baseline build")
        }
    }
}
