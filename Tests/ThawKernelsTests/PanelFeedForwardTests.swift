import XCTest
@testable import ThawKernels

/// `PanelFeedForward.forward` by row blocks (`rowBlock`) against the two GEMMs over all rows (`rowBlock` 0): the same
/// bits for y and for a LayerNorm epilogue on its rows, a last block shorter than the others, fewer rows than a block,
/// y over x in place; the epilogue once per row.
final class PanelFeedForwardTests: XCTestCase {
    override func tearDown() { PanelFeedForward.rowBlock = 96 }

    func testRowBlocksGiveTheWholeGEMMsBits() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA")
        // MiniLM's 384 → 1,536 → 384 (K passes of 256 in both GEMMs) and a small 64 → 128 → 64.
        for (c, inner, rows, block) in [(384, 1536, 4096, 48), (384, 1536, 1000, 96), (64, 128, 301, 48), (64, 128, 7, 48)] {
            let up = try XCTUnwrap(PanelLinear.packing(LinearParameters(
                weight: FiniteDifference.random(inner * c, seed: 41, scale: 0.1), bias: FiniteDifference.random(inner, seed: 42),
                inFeatures: c, outFeatures: inner)))
            let down = try XCTUnwrap(PanelLinear.packing(LinearParameters(
                weight: FiniteDifference.random(c * inner, seed: 43, scale: 0.05), bias: FiniteDifference.random(c, seed: 44),
                inFeatures: inner, outFeatures: c)))
            let h0 = FiniteDifference.random(rows * c, seed: 45, scale: 2)
            var outs: [[Float]] = []
            for rowBlock in [0, block] {
                PanelFeedForward.rowBlock = rowBlock
                let probe = LayerNormRowProbe(rows: rows, channels: c, seed: 46)
                var h = h0, f = [Float](repeating: .nan, count: rows * inner)
                h.withUnsafeMutableBufferPointer { hb in f.withUnsafeMutableBufferPointer { fb in
                    let x = hb.baseAddress!
                    PanelFeedForward.forward(up: up, down: down, x: x, rows: rows, y: x, scratch: fb.baseAddress!,
                                             rowEpilogue: probe.epilogue(x))
                } }
                XCTAssertEqual(Set(probe.runs), [1], "\(c)→\(inner), \(rows) rows, blocks of \(rowBlock): every row's epilogue once")
                XCTAssertTrue(h.allSatisfy(\.isFinite))
                outs.append(h)
            }
            XCTAssertTrue(zip(outs[0], outs[1]).allSatisfy { $0.bitPattern == $1.bitPattern },
                          "\(c)→\(inner), \(rows) rows, blocks of \(block): the whole GEMMs' bits")
        }
    }
}
