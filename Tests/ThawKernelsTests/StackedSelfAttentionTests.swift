import ThawKernels
import XCTest

/// The inference attention with Q, K, V stacked into one [3C, C] projection, against the same
/// torch golden as `AttentionTests` (right padding, lengths 11, 6, 1, 9), and against the
/// three-projection forward with the residual (`accumulate`, y = x in place).
final class StackedSelfAttentionTests: XCTestCase {
    private func parameters(c: Int, heads: Int) throws -> SelfAttentionParameters {
        func linear(_ name: String) throws -> LinearParameters {
            LinearParameters(weight: try TransformerGolden.load("attention_\(name)_w").data,
                             bias: try TransformerGolden.load("attention_\(name)_b").data, inFeatures: c, outFeatures: c)
        }
        return SelfAttentionParameters(query: try linear("query"), key: try linear("key"), value: try linear("value"),
                                       output: try linear("output"), heads: heads)
    }

    func testMatchesTorchAndTheThreeProjectionForward() throws {
        let x = try TransformerGolden.load("attention_x"), want = try TransformerGolden.load("attention_y")
        let mask = try TransformerGolden.ints("attention_mask")
        let heads = try TransformerGolden.load("attention_probs").shape[1]
        let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
        let p = try parameters(c: c, heads: heads)
        let stacked = StackedSelfAttention(p)
        XCTAssertEqual(stacked.qkv.outFeatures, 3 * c)
        var ws = StackedSelfAttention.Workspace(batch: b + 1, length: t, channels: c, heads: heads)
        var y = [Float](repeating: .nan, count: x.data.count)
        for _ in 0..<2 {   // workspace reuse gives the same answer
            stacked.forward(x: x.data, mask: mask, batch: b, length: t, workspace: &ws, y: &y)
            TransformerGolden.assertClose(y, want.data, "stacked attention output")
        }
        // Residual in place: h += attention(h), as the encoder runs it.
        var h = x.data, reference = x.data
        var plain = SelfAttentionWorkspace(batch: b, length: t, channels: c, heads: heads)
        h.withUnsafeMutableBufferPointer { hb in
            stacked.forward(x: hb.baseAddress!, mask: mask, batch: b, length: t, workspace: &ws, y: hb.baseAddress!, accumulate: true)
        }
        reference.withUnsafeMutableBufferPointer { rb in
            SelfAttention.forward(p, x: rb.baseAddress!, mask: mask, batch: b, length: t, workspace: &plain,
                                  y: rb.baseAddress!, accumulate: true)
        }
        TransformerGolden.assertClose(h, reference, rtol: 1e-5, floor: 0.1, "stacked vs three projections, in place")
    }
}
