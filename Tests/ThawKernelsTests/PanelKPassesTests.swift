import XCTest
@testable import ThawKernels

/// `PanelLinear` sums K in passes of `PanelLinear.kBlock` (256): y = ((Σ₀ + b) + residual) + Σ₁ + Σ₂ + …,
/// each Σⱼ a fused multiply-add chain over its 256 inputs in order. Checked bit for bit against that order
/// written out in scalar Float arithmetic (for 6-, 4- and 1-row register blocks, K a multiple of the pass,
/// not, and shorter than one), and that the passes round less than one chain over K = 1,536 against float64.
final class PanelKPassesTests: XCTestCase {
    override func tearDown() { PanelLinear.kBlock = 256 }

    private func layer(_ inF: Int, _ outF: Int, seed: UInt64, scale: Float = 0.1) -> LinearParameters {
        LinearParameters(weight: FiniteDifference.random(outF * inF, seed: seed, scale: scale),
                         bias: FiniteDifference.random(outF, seed: seed + 1), inFeatures: inF, outFeatures: outF)
    }

    private func forward(_ p: PanelLinear, _ x: [Float], rows: Int, y0: [Float], accumulate: Bool) -> [Float] {
        var y = y0
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
            p.forward(x: xb.baseAddress!, rows: rows, y: yb.baseAddress!, accumulate: accumulate)
        } }
        return y
    }

    /// The documented order in scalar arithmetic: per pass an FMA chain from 0, then (Σ₀ + b) + r, then (Σⱼ + 0) + y.
    private func documentedOrder(_ p: LinearParameters, _ x: [Float], rows: Int, y0: [Float], accumulate: Bool,
                                 kBlock: Int) -> [Float] {
        let k = p.inFeatures, n = p.outFeatures
        var y = y0
        for r in 0..<rows {
            for j in 0..<n {
                var k0 = 0
                while k0 < k {
                    var acc: Float = 0
                    for i in k0..<min(k, k0 + kBlock) { acc = acc.addingProduct(x[r * k + i], p.weight[j * k + i]) }
                    if k0 == 0 {
                        let withBias = acc + p.bias[j]
                        y[r * n + j] = accumulate ? withBias + y0[r * n + j] : withBias
                    } else {
                        y[r * n + j] = (acc + 0) + y[r * n + j]
                    }
                    k0 += kBlock
                }
            }
        }
        return y
    }

    func testPassesSumInTheDocumentedOrder() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA (PanelLinearTests covers the baseline)")
        XCTAssertEqual(PanelLinear.kBlock, 256, "the default pass")
        for (i, (inF, outF, rows)) in [(1536, 128, 13), (384, 64, 11), (600, 64, 5), (7, 64, 6), (1536, 64, 1)].enumerated() {
            let p = layer(inF, outF, seed: UInt64(20 + i)), packed = PanelLinear(p)
            let x = FiniteDifference.random(rows * inF, seed: UInt64(40 + i))
            let y0 = FiniteDifference.random(rows * outF, seed: UInt64(60 + i))
            for accumulate in [false, true] {
                let got = forward(packed, x, rows: rows, y0: y0, accumulate: accumulate)
                let want = documentedOrder(p, x, rows: rows, y0: y0, accumulate: accumulate, kBlock: 256)
                let differing = got.indices.filter { got[$0].bitPattern != want[$0].bitPattern }
                XCTAssertEqual(differing.count, 0, "\(inF)→\(outF), \(rows) rows, accumulate \(accumulate): "
                               + "first differing \(differing.first.map { "[\($0)] \(got[$0]) vs \(want[$0])" } ?? "")")
            }
        }
    }

    /// RMS error against the float64 product, relative to the output's RMS, for ffn-down's shape
    /// (K = 1,536) on GELU-like inputs (mostly positive: the running sums grow).
    private func relativeRMS(_ packed: PanelLinear, _ p: LinearParameters, _ x: [Float], rows: Int) -> Double {
        let y = forward(packed, x, rows: rows, y0: [Float](repeating: 0, count: rows * p.outFeatures), accumulate: false)
        let k = p.inFeatures
        var err = 0.0, norm = 0.0
        for r in 0..<rows {
            for j in 0..<p.outFeatures {
                var exact = Double(p.bias[j])
                for i in 0..<k { exact += Double(x[r * k + i]) * Double(p.weight[j * k + i]) }
                err += (Double(y[r * p.outFeatures + j]) - exact) * (Double(y[r * p.outFeatures + j]) - exact)
                norm += exact * exact
            }
        }
        return (err / norm).squareRoot()
    }

    func testPassesRoundLessThanOneChainOverLongK() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA (PanelLinearTests covers the baseline)")
        let (inF, outF, rows) = (1536, 128, 48)
        let p = layer(inF, outF, seed: 91, scale: 0.05), packed = PanelLinear(p)
        let x = FiniteDifference.random(rows * inF, seed: 92).map { max($0, -0.17) + 0.2 }   // GELU-like, mean > 0
        let passes = relativeRMS(packed, p, x, rows: rows)
        PanelLinear.kBlock = .max
        let oneChain = relativeRMS(packed, p, x, rows: rows)
        XCTAssertLessThan(passes, 0.75 * oneChain, "passes of 256: \(passes), one chain over 1,536: \(oneChain)")
    }
}
