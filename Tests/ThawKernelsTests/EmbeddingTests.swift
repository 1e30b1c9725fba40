import ThawKernels
import XCTest

final class EmbeddingTests: XCTestCase {
    func testWordPositionTypeSumMatchesTorch() throws {
        let word = try TransformerGolden.load("embedding_word"), pos = try TransformerGolden.load("embedding_pos")
        let type = try TransformerGolden.load("embedding_type"), want = try TransformerGolden.load("embedding_y")
        let ids = try TransformerGolden.ints("embedding_ids"), types = try TransformerGolden.ints("embedding_types")
        let (b, t, c) = (want.shape[0], want.shape[1], want.shape[2])
        var out = [Float](repeating: .nan, count: want.data.count)
        Embedding.forward(ids: ids, typeIds: types, batch: b, length: t, channels: c,
                          word: word.data, vocabulary: word.shape[0], position: pos.data, maxPositions: pos.shape[0],
                          tokenType: type.data, types: type.shape[0], out: &out)
        TransformerGolden.assertClose(out, want.data, "embedding")
    }
}
