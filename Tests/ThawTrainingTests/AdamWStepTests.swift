import XCTest
import ThawCore
@testable import ThawTraining

/// AdamW's vector loop against its scalar loop: bit for bit over several steps, lengths with and
/// without a tail, weight decay on and off.
final class AdamWStepTests: XCTestCase {
    /// p, m, v after `steps` AdamW updates of `n` elements with the vector (or scalar) loop.
    private func run(vectorized: Bool, avx512: Bool = false, n: Int, steps: Int, wd: Float) -> [Float] {
        let saved = (AdamWStep.vectorized, AdamWStep.usesAVX512)
        AdamWStep.vectorized = vectorized
        AdamWStep.usesAVX512 = avx512
        defer { (AdamWStep.vectorized, AdamWStep.usesAVX512) = saved }
        var rng = SplitMix64(seed: 7)
        var p = (0..<n).map { _ in rng.nextNormal() }
        var m = [Float](repeating: 0, count: n), v = [Float](repeating: 0, count: n)
        for step in 1...steps {
            let g = (0..<n).map { i in rng.nextNormal() * (i % 7 == 0 ? 1e-4 : 0.3) }
            g.withUnsafeBufferPointer { gp in
                Optimizer.adamwDefault.update(param: &p, grad: gp.baseAddress!, count: n, state1: &m, state2: &v,
                                              lr: 3e-3, weightDecay: wd, step: step)
            }
        }
        return p + m + v
    }

    func testVectorLoopMatchesScalarLoopBitForBit() {
        for n in [1, 7, 8, 15, 16, 64, 1283] {
            for wd: Float in [0, 1e-2] {
                let scalar = run(vectorized: false, n: n, steps: 5, wd: wd)
                let vector = run(vectorized: true, n: n, steps: 5, wd: wd)
                XCTAssertTrue(scalar.allSatisfy(\.isFinite), "n \(n): the scalar reference must be finite")
                XCTAssertEqual(scalar.map(\.bitPattern), vector.map(\.bitPattern), "n \(n), wd \(wd)")
                if AdamWStep.avx512Available {
                    let avx512 = run(vectorized: true, avx512: true, n: n, steps: 5, wd: wd)
                    XCTAssertEqual(scalar.map(\.bitPattern), avx512.map(\.bitPattern), "AVX-512, n \(n), wd \(wd)")
                }
            }
        }
    }
}
