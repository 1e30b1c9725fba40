import XCTest
@testable import ThawKernels

/// `PanelSelfAttention.bySentences` (qkv, attention core and output projection sentence by sentence) against the three
/// steps over the whole batch: the same bits for y += attention(x) in place with padded sentences, with a row epilogue
/// (a LayerNorm) once per row; heads of 32 channels (`SelfAttention.core`, all-MiniLM-L6-v2's).
final class PanelSelfAttentionSentencesTests: XCTestCase {
    override func tearDown() { PanelSelfAttention.bySentences = true }

    func testSentencesGiveTheWholeBatchBits() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA")
        for (c, heads, batch, t) in [(128, 4, 5, 24), (384, 12, 4, 128)] {
            let l = (0..<4).map { i in LinearParameters(weight: FiniteDifference.random(c * c, seed: 50 + i, scale: 0.1),
                                                        bias: FiniteDifference.random(c, seed: 60 + i), inFeatures: c, outFeatures: c) }
            let stacked = StackedSelfAttention(SelfAttentionParameters(query: l[0], key: l[1], value: l[2], output: l[3], heads: heads))
            let attention = try XCTUnwrap(PanelSelfAttention(stacked))
            let rows = batch * t
            // Sentence b has t − 3b tokens, then padding.
            let mask = (0..<rows).map { Int32($0 % t < t - 3 * ($0 / t) ? 1 : 0) }
            let h0 = FiniteDifference.random(rows * c, seed: 70, scale: 2)
            var outs: [[Float]] = []
            for bySentences in [false, true] {
                PanelSelfAttention.bySentences = bySentences
                var ws = StackedSelfAttention.Workspace(batch: batch, length: t, channels: c, heads: heads)
                let probe = LayerNormRowProbe(rows: rows, channels: c, seed: 71)
                var h = h0
                h.withUnsafeMutableBufferPointer { hb in mask.withUnsafeBufferPointer { m in
                    let x = hb.baseAddress!
                    attention.forward(x: x, mask: m.baseAddress!, batch: batch, length: t, workspace: &ws, y: x, accumulate: true,
                                      rowEpilogue: probe.epilogue(x))
                } }
                XCTAssertEqual(Set(probe.runs), [1], "\(c) channels, \(batch) × \(t), by sentences \(bySentences): every row once")
                XCTAssertTrue(h.allSatisfy(\.isFinite))
                outs.append(h)
            }
            XCTAssertTrue(zip(outs[0], outs[1]).allSatisfy { $0.bitPattern == $1.bitPattern },
                          "\(c) channels, \(batch) × \(t): sentence by sentence gives the whole batch's bits")
        }
    }
}
