import XCTest
@testable import ThawKernels

/// The packed 1×1 kernel's last row tiles of ≤ 4 rows as 4-row tiles (`VectorISA.shortPointwiseTiles`): bit for bit
/// the 8-row tiles, NaN rows in the same places, nothing written outside the rows and columns; row counts with every
/// remainder (1–4 short, 5–7 long), 32-, 16- and narrow-column panels, ReLU6 and identity with a residual. The AVX2
/// build's last 1–5 rows (4- and 6-row tiles) on the same cases: against the baseline, and the AVX-512 floats.
final class PointwiseShortTilesTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int, scale: Float) -> [Float] {
        (0..<count).map { scale * (Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1) }
    }

    func testShortTilesMatchEightRowTiles() throws {
        guard VectorISA.packedKernels else { return }  // the switch only changes the AVX-512 kernel; AVX2 has 4-row tiles always
        for (k, n) in [(96, 24), (192, 1152), (1152, 192), (80, 480), (672, 112), (5, 7), (40, 20), (33, 56)] {
            for act in [Activation.relu6, .identity] {
                let conv = Conv2D(shape: Conv2DShape(inChannels: k, outChannels: n, kernel: 1), oihw: values(n * k, k + n, scale: 1.5),
                                  bias: values(n, 3, scale: 2), activation: act)
                let packed = PackedPointwise(conv)
                for rows in [1, 2, 3, 4, 7, 12, 21, 28, 42, 49] {
                    var x = values(rows * k, rows, scale: 3)
                    x[(rows - 1) * k + k / 2] = .nan         // the last row: in the short tile when there is one
                    let residual = act == .identity ? values(rows * n, 9, scale: 4) : nil
                    func run(_ short: Bool, _ build: KernelBuild = .avx512) -> [Float] {
                        let saved = VectorISA.shortPointwiseTiles
                        VectorISA.shortPointwiseTiles = short
                        defer { VectorISA.shortPointwiseTiles = saved }
                        return build.run { packed.forward(x, rows: rows, residual: residual, fill: -7) }
                    }
                    let label = "K\(k) N\(n) \(act) rows \(rows)"
                    // The AVX2 build's 6-/4-row tiles (rows past a short tile's count repeat its last row): the NaN row,
                    // every output written, within float rounding of the baseline; the AVX-512 build's floats bit for bit.
                    let avx2 = VectorISA.avx2Kernels ? run(true, .avx2) : nil
                    if let avx2 {
                        let base = run(true, .baseline)
                        XCTAssertEqual(avx2.map(\.isNaN), base.map(\.isNaN), "\(label): AVX2 NaNs where the baseline has them")
                        XCTAssertFalse(avx2.contains(-7), "\(label): AVX2 left an output unwritten")
                        let finite = zip(avx2, base).filter { $0.1.isFinite }
                        assertCloseToScale(finite.map(\.0), finite.map(\.1), tolerance: 1e-5, "\(label): AVX2 vs baseline")
                    }
                    guard VectorISA.avx512 else { continue }
                    let short = run(true), long = run(false)
                    if let avx2 {
                        XCTAssertEqual(avx2.map { $0.isNaN ? 0 : $0.bitPattern }, short.map { $0.isNaN ? 0 : $0.bitPattern },
                                       "\(label): AVX2 vs AVX-512, bit for bit")
                    }
                    XCTAssertTrue((0..<n).allSatisfy { short[(rows - 1) * n + $0].isNaN }, "\(label): the NaN row")
                    XCTAssertEqual(short.map(\.isNaN), long.map(\.isNaN), "\(label): NaNs in the same places")
                    XCTAssertEqual(short.map { $0.isNaN ? 0 : $0.bitPattern }, long.map { $0.isNaN ? 0 : $0.bitPattern },
                                   "\(label): 4-row vs 8-row tiles, bit for bit")
                    XCTAssertFalse(short.contains(-7), "\(label): an output left unwritten")
                }
            }
        }
    }
}
