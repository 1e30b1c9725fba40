import XCTest
@testable import ThawKernels

/// `Linear.forwardFewRows` (sgemv parts over the cores at batch ≤ 4) gives `Linear.forward`'s output to float
/// rounding, a NaN input reaches exactly its row, and more rows fall back to `forward` itself.
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
}
