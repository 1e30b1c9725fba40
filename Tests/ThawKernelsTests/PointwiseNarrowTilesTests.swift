import XCTest
@testable import ThawKernels

/// The packed 1×1 kernel's last panels with 17–24 or ≤ 8 valid columns as 16 + 8 / 8-column tiles
/// (`VectorISA.narrowPointwiseTiles`): bit for bit the 32-/16-column tiles, NaN rows in the same places, within float
/// rounding of the baseline build; ReLU6 past both bounds, identity with a residual, row counts off the 8-row tiles.
/// The AVX2 build (8-column tiles on halves with ≤ 8 valid columns) on the same cases: against the baseline, and
/// the AVX-512 floats bit for bit.
final class PointwiseNarrowTilesTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int, scale: Float) -> [Float] {
        (0..<count).map { scale * (Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1) }
    }

    func testNarrowTilesMatchWideTilesAndBaseline() {
        for (k, n) in [(96, 24), (240, 40), (16, 8), (33, 56), (24, 72), (5, 7), (40, 20), (144, 21)] {
            for act in [Activation.relu6, .identity] {
                let conv = Conv2D(shape: Conv2DShape(inChannels: k, outChannels: n, kernel: 1), oihw: values(n * k, k + n, scale: 1.5),
                                  bias: values(n, 3, scale: 2), activation: act)
                let packed = PackedPointwise(conv)
                for rows in [13, 8, 3] {
                    var x = values(rows * k, rows, scale: 3)
                    x[(rows / 2) * k + k / 2] = .nan
                    let residual = act == .identity ? values(rows * n, 9, scale: 4) : nil
                    func run(_ build: KernelBuild, _ narrow: Bool) -> [Float] {
                        let saved = VectorISA.narrowPointwiseTiles
                        VectorISA.narrowPointwiseTiles = narrow
                        defer { VectorISA.narrowPointwiseTiles = saved }
                        return build.run { packed.forward(x, rows: rows, residual: residual, fill: -7) }
                    }
                    let label = "K\(k) N\(n) \(act) rows \(rows)"
                    let base = run(.baseline, true)
                    XCTAssertTrue((0..<n).allSatisfy { base[(rows / 2) * n + $0].isNaN }, "\(label): the NaN row")
                    // The AVX2 build's 8-column halves (≤ 8 valid columns of a half): NaNs and values as the baseline's.
                    let avx2 = VectorISA.avx2Kernels ? run(.avx2, true) : nil
                    if let avx2 {
                        XCTAssertEqual(avx2.map(\.isNaN), base.map(\.isNaN), "\(label): AVX2 NaNs where the baseline has them")
                        XCTAssertFalse(avx2.contains(-7), "\(label): AVX2 left an output unwritten")
                        let finite = zip(avx2, base).filter { $0.1.isFinite }
                        assertCloseToScale(finite.map(\.0), finite.map(\.1), tolerance: 1e-5, "\(label): AVX2 vs baseline")
                    }
                    guard VectorISA.avx512 else { continue }
                    let narrow = run(.avx512, true), wide = run(.avx512, false)
                    if let avx2 {
                        XCTAssertEqual(avx2.map { $0.isNaN ? 0 : $0.bitPattern }, narrow.map { $0.isNaN ? 0 : $0.bitPattern },
                                       "\(label): AVX2 vs AVX-512, bit for bit")
                    }
                    XCTAssertEqual(narrow.map(\.isNaN), wide.map(\.isNaN), "\(label): NaNs in the same places")
                    XCTAssertEqual(narrow.map { $0.isNaN ? 0 : $0.bitPattern }, wide.map { $0.isNaN ? 0 : $0.bitPattern },
                                   "\(label): narrow vs wide tiles, bit for bit")
                    XCTAssertEqual(narrow.filter(\.isNaN).count, base.filter(\.isNaN).count, "\(label): NaNs vs baseline")
                    let finite = zip(narrow, base).filter { $0.1.isFinite }
                    assertCloseToScale(finite.map(\.0), finite.map(\.1), tolerance: 1e-5, "\(label): AVX-512 vs baseline")
                }
            }
        }
    }
}
