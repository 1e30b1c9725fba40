import XCTest
@testable import ThawKernels

/// `Linear.forwardFewRows` (matrix-vector products over the cores at batch ≤ 4: AVX-512 rows, or sgemv parts)
/// matches the PyTorch golden and `Linear.forward`'s output to float rounding, a NaN input reaches exactly its
/// row, and more rows fall back to `forward` itself.
final class LinearFewRowsTests: XCTestCase {
    override func tearDown() { Linear.splitFewRows = true }

    private func run(_ p: LinearParameters, _ x: [Float], rows: Int, split: Bool) -> [Float] {
        var y = [Float](repeating: -7, count: rows * p.outFeatures)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                if split {
                    Linear.forwardFewRows(p, x: xb.baseAddress!, rows: rows, y: yb.baseAddress!)
                } else {
                    Linear.forward(p, x: xb.baseAddress!, rows: rows, y: yb.baseAddress!)
                }
            }
        }
        return y
    }

    func testMatchesOneSgemm() {
        for (i, (inF, outF)) in [(2048, 1000), (512, 10), (33, 7)].enumerated() {
            let p = LinearParameters(weight: FiniteDifference.random(outF * inF, seed: UInt64(i + 1), scale: 0.1),
                                     bias: FiniteDifference.random(outF, seed: UInt64(i + 9)), inFeatures: inF, outFeatures: outF)
            for rows in 1...5 {
                let x = FiniteDifference.random(rows * inF, seed: UInt64(10 * i + rows))
                ConvGolden.assertClose(run(p, x, rows: rows, split: true), run(p, x, rows: rows, split: false), tolerance: 1e-4,
                                       "\(inF)→\(outF), \(rows) rows")
            }
            var x = FiniteDifference.random(3 * inF, seed: 99)
            x[inF + 1] = .nan                                                   // row 1 only
            let y = run(p, x, rows: 3, split: true)
            XCTAssertEqual(y.indices.filter { y[$0].isNaN }, Array(outF..<(2 * outF)), "\(inF)→\(outF): NaN in row 1")
        }
    }

    func testMatchesTorchGoldenRowByRow() throws {
        let x = try TransformerGolden.load("linear_x"), w = try TransformerGolden.load("linear_w")
        let b = try TransformerGolden.load("linear_b"), want = try TransformerGolden.load("linear_y")
        let p = LinearParameters(weight: w.data, bias: b.data, inFeatures: w.shape[1], outFeatures: w.shape[0])
        for r in 0..<x.shape[0] {
            let row = Array(x.data[r * p.inFeatures..<(r + 1) * p.inFeatures])
            TransformerGolden.assertClose(run(p, row, rows: 1, split: true), Array(want.data[r * p.outFeatures..<(r + 1) * p.outFeatures]),
                                          "linear row \(r)")
        }
    }

    /// The classifier shapes of Lite0/MobileNetV2 (1,280 = 20 × 64 inputs) and of short tails past the last 64
    /// inputs: one row against sgemm, a NaN input reaches every output.
    func testOneRowWithInputTails() {
        for (k, n) in [(1280, 1000), (100, 7), (64, 130), (5, 3)] {
            let p = LinearParameters(weight: FiniteDifference.random(n * k, seed: UInt64(k), scale: 0.1),
                                     bias: FiniteDifference.random(n, seed: UInt64(n)), inFeatures: k, outFeatures: n)
            var x = FiniteDifference.random(k, seed: 1)
            ConvGolden.assertClose(run(p, x, rows: 1, split: true), run(p, x, rows: 1, split: false), tolerance: 1e-4, "fc \(k) → \(n)")
            x[k / 2] = .nan
            XCTAssertTrue(run(p, x, rows: 1, split: true).allSatisfy(\.isNaN), "fc \(k) → \(n): a NaN input reaches every output")
        }
    }
}
