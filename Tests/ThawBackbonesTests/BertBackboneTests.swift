import Foundation
import ThawAssets
import ThawBackbones
import ThawKernels
import XCTest

/// all-MiniLM-L6-v2 through the `Backbone` interface, real weights, against the committed
/// sentence-transformers embeddings (scripts/golden/bert_minilm.py).
final class BertBackboneTests: XCTestCase {
    struct Manifest: Decodable { var sentences: [String] }

    static let model: BertBackbone? = {
        guard let path = KnownAsset.named("all-minilm-l6-v2")!.find() else { return nil }
        do { return try ModelCatalog.named("all-minilm-l6-v2").load(path) as? BertBackbone } catch { print("all-MiniLM-L6-v2 load failed: \(error)"); return nil }
    }()

    func loaded() throws -> BertBackbone {
        let asset = KnownAsset.named("all-minilm-l6-v2")!
        guard asset.find() != nil else { throw XCTSkip("all-MiniLM-L6-v2 is not installed: \(asset.installCommand)") }
        guard let model = Self.model else { throw MissingFixture("all-MiniLM-L6-v2 is installed but did not load") }
        return model
    }

    func sentences() throws -> [String] {
        guard let url = Bundle.module.url(forResource: "bert_manifest", withExtension: "json", subdirectory: "Fixtures") else {
            throw MissingFixture("fixture bert_manifest.json missing: run python3 scripts/golden/bert_minilm.py")
        }
        return try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url)).sentences
    }

    func testSentenceEmbeddingsMatchSentenceTransformers() throws {
        let model = try loaded()
        XCTAssertEqual(model.cutPoints.map(\.name), ["embeddings", "layer.0", "layer.1", "layer.2", "layer.3", "layer.4", "layer.5", "pool"])
        let got = try model.sentenceEmbeddings(try sentences())
        let want = try BERTTests.fixture("sentence")
        let c = 384
        XCTAssertEqual(got.count * c, want.count)
        for (i, v) in got.enumerated() {
            let w = Array(want[i * c..<(i + 1) * c])
            var dot: Float = 0, nv: Float = 0, nw: Float = 0
            for j in 0..<c { dot += v[j] * w[j]; nv += v[j] * v[j]; nw += w[j] * w[j] }
            let cosine = dot / (nv * nw).squareRoot()
            XCTAssertGreaterThanOrEqual(cosine, 0.9999, "sentence \(i)")
            XCTAssertEqual(nv.squareRoot(), 1, accuracy: 1e-5, "sentence \(i) is L2-normalised")
        }
    }

    func testStartingFromALayerOutputEqualsAFullRun() throws {
        let model = try loaded()
        let batch = model.tokenizer!.encodeBatch(try sentences())
        let ids = Activations(tensor: Tensor(shape: [batch.batchSize, batch.length], data: batch.ids.map(Float.init)),
                              mask: batch.attentionMask.map(Float.init))
        let full = try model.forward(ids, from: nil, taps: ["embeddings", "layer.2", "layer.5", "pool"])
        XCTAssertEqual(full["layer.2"]!.tensor.shape, [4, batch.length, 384])
        XCTAssertEqual(full["layer.2"]!.mask, ids.mask)
        for start in ["embeddings", "layer.2"] {
            let resumed = try model.forward(full[start]!, from: start, taps: ["layer.5", "pool"])
            XCTAssertEqual(resumed["layer.5"]!.tensor, full["layer.5"]!.tensor, "from \(start)")
            XCTAssertEqual(resumed["pool"]!.tensor, full["pool"]!.tensor, "from \(start)")
        }
        // The hidden states at layer.k are the golden ones (BERTTests: hidden_{k+1}).
        let want = try BERTTests.fixture("hidden_3")
        let got = full["layer.2"]!.tensor.data
        let worst = zip(got, want).map { abs($0 - $1) }.reduce(Float(0)) { $0.isNaN || $1.isNaN ? .nan : max($0, $1) }   // NaN-aware, unlike max()
        XCTAssertLessThan(worst, 1e-4 * 10, "layer.2 vs hidden_3")
        XCTAssertEqual(try model.outputShape(at: "pool", inputShape: [7]), [384])
        XCTAssertEqual(try model.outputShape(at: "layer.0", inputShape: [7]), [7, 384])
    }

    func testBadIdsAndCutsThrow() throws {
        let model = try loaded()
        let bad = Activations(tensor: Tensor(shape: [1, 2], data: [101, 40000]))
        XCTAssertThrowsError(try model.forward(bad, from: nil, taps: ["pool"])) { XCTAssertTrue("\($0)".contains("40000"), "\($0)") }
        XCTAssertThrowsError(try model.forward(bad, from: "layer.3", taps: ["layer.1"]))
        XCTAssertThrowsError(try model.forward(bad, from: "layer.3", taps: ["pool"]))   // needs [N, T, 384]
    }

    func testGenericEntryReadsTheShapesFromTheWeights() throws {
        let asset = KnownAsset.named("all-minilm-l6-v2")!
        guard let path = asset.find() else { throw XCTSkip("all-MiniLM-L6-v2 is not installed: \(asset.installCommand)") }
        let generic = try ModelCatalog.named("bert").load(URL(fileURLWithPath: path).deletingLastPathComponent().path) as! BertBackbone
        let cfg = generic.encoder.configuration
        XCTAssertEqual([cfg.vocabularySize, cfg.hiddenSize, cfg.layers, cfg.heads, cfg.intermediateSize, cfg.maxPositions],
                       [30522, 384, 6, 12, 1536, 512])
        XCTAssertEqual(try generic.sentenceEmbeddings(["Hi!"]), try loaded().sentenceEmbeddings(["Hi!"]))
    }
}
