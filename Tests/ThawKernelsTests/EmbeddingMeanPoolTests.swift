import ThawKernels
import XCTest

final class EmbeddingMeanPoolTests: XCTestCase {
    func testMaskedMeanAndL2MatchSentenceTransformers() throws {
        let hidden = try TransformerGolden.load("attention_y"), mask = try TransformerGolden.ints("attention_mask")
        let (b, t, c) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        for (normalize, name) in [(true, "meanpool_y"), (false, "meanpool_unnormalized_y")] {
            let want = try TransformerGolden.load(name)
            var out = [Float](repeating: .nan, count: b * c)
            EmbeddingMeanPool.forward(hidden: hidden.data, mask: mask, batch: b, length: t, channels: c,
                                      normalize: normalize, out: &out)
            TransformerGolden.assertClose(out, want.data, name)
        }
    }

    func testAllPaddingRowGivesZerosNotNaN() {
        let hidden = [Float](repeating: 1, count: 2 * 4)
        var out = [Float](repeating: .nan, count: 4)
        EmbeddingMeanPool.forward(hidden: hidden, mask: [0, 0], batch: 1, length: 2, channels: 4,
                                  normalize: true, out: &out)
        XCTAssertEqual(out, [0, 0, 0, 0])
    }
}
