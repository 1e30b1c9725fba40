import ThawKernels
import XCTest

/// BERT self-attention with right padding (lengths 11, 6, 1, 9) against the HF layout in torch
/// (itself cross-checked against torch.nn.MultiheadAttention by the script).
final class AttentionTests: XCTestCase {
    func testMatchesTorchSelfAttentionWithPaddingMask() throws {
        let x = try TransformerGolden.load("attention_x"), want = try TransformerGolden.load("attention_y")
        let wantProbs = try TransformerGolden.load("attention_probs")
        let mask = try TransformerGolden.ints("attention_mask")
        let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2]), heads = wantProbs.shape[1]
        func linear(_ name: String) throws -> LinearParameters {
            LinearParameters(weight: try TransformerGolden.load("attention_\(name)_w").data,
                             bias: try TransformerGolden.load("attention_\(name)_b").data, inFeatures: c, outFeatures: c)
        }
        let p = SelfAttentionParameters(query: try linear("query"), key: try linear("key"), value: try linear("value"),
                                        output: try linear("output"), heads: heads)
        // Workspace larger than needed: a forward must only use the prefix it needs.
        var ws = SelfAttentionWorkspace(batch: b + 1, length: t, channels: c, heads: heads)
        var y = [Float](repeating: .nan, count: x.data.count)
        for _ in 0..<2 {   // reuse of the workspace gives the same answer
            SelfAttention.forward(p, x: x.data, mask: mask, batch: b, length: t, workspace: &ws, y: &y)
            TransformerGolden.assertClose(y, want.data, "attention output")
        }
        TransformerGolden.assertClose(Array(ws.probs.prefix(wantProbs.data.count)), wantProbs.data,
                                      floor: 1e-6, "attention probabilities")
    }
}
