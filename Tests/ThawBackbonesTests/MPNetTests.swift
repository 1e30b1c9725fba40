import Foundation
import ThawAssets
import ThawBackbones
import ThawKernels
import ThawText
import XCTest

/// MPNet (`EncoderFlavor.mpnet`) against Hugging Face `transformers` and sentence-transformers:
/// scripts/golden/mpnet.py. Relative position buckets, every tap of a seeded small MPNet, and
/// all-mpnet-base-v2's sentence embeddings of real texts (short sentences, BBC News articles cut at 384 tokens).
final class MPNetTests: XCTestCase {
    static func fixtureURL(_ name: String) throws -> URL {
        guard let dir = Bundle.module.url(forResource: "mpnet", withExtension: nil, subdirectory: "Fixtures") else {
            throw MissingFixture("fixture folder Fixtures/mpnet missing: run python3 scripts/golden/mpnet.py")
        }
        let url = dir.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingFixture("fixture mpnet/\(name) missing: run python3 scripts/golden/mpnet.py")
        }
        return url
    }

    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: try fixtureURL(name))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    func testRelativePositionBucketsEqualTransformers() throws {
        struct Buckets: Decodable { var relative: [Int]; var bucket: [Int]; var num_buckets: Int; var max_distance: Int }
        let golden = try JSONDecoder().decode(Buckets.self, from: Data(contentsOf: try Self.fixtureURL("buckets.json")))
        XCTAssertEqual(golden.relative.count, 1201)
        var wrong: [String] = []
        for (r, want) in zip(golden.relative, golden.bucket) {
            let got = RelativePositionBias.bucket(relative: r, buckets: golden.num_buckets, maxDistance: golden.max_distance)
            if got != want { wrong.append("\(r): \(got) ≠ \(want)") }
        }
        XCTAssertTrue(wrong.isEmpty, "buckets differing from transformers: \(wrong.prefix(10))")
    }

    struct Seeded: Decodable { var ids: [[Int]]; var mask: [[Int]]; var shapes: [String: [Int]]; var layers: Int }

    /// A small MPNet with seeded weights (config.json beside them, sizes read from the weights): every
    /// tap within 1e-4 of transformers' float64 MPNetModel, padded rows included (padding takes position 1).
    func testSeededMPNetMatchesTransformersAtEveryTap() throws {
        let folder = try Self.fixtureURL("seeded")
        let seeded = try JSONDecoder().decode(Seeded.self, from: Data(contentsOf: try Self.fixtureURL("seeded.json")))
        let backbone = try ModelCatalog.named("mpnet").load(folder.path)
        let bert = try XCTUnwrap(backbone as? BertBackbone)
        let cfg = bert.encoder.configuration
        XCTAssertEqual(cfg.flavor, .mpnet)
        XCTAssertEqual(cfg.relativeAttentionBuckets, 32)
        XCTAssertEqual(cfg.layerNormEps, 1e-5)
        XCTAssertEqual(cfg.paddingIndex, 1)
        XCTAssertEqual(cfg.typeVocabularySize, 0)
        let b = seeded.ids.count, t = seeded.ids[0].count, c = cfg.hiddenSize
        let ids = Tensor(shape: [b, t], data: seeded.ids.joined().map(Float.init))
        let mask = seeded.mask.joined().map(Float.init)
        let taps = ["embeddings"] + (0..<seeded.layers).map { "layer.\($0)" } + ["pool"]
        let out = try backbone.forward(Activations(tensor: ids, mask: mask), from: nil, taps: taps)
        for (k, tap) in taps.dropLast().enumerated() {
            let got = try XCTUnwrap(out[tap]).tensor
            XCTAssertEqual(got.shape, [b, t, c], tap)
            if let failure = BERTTests.mismatch(got.data, try Self.floats("seeded_hidden_\(k).bin"), rtol: 1e-4, floor: 0.1, tap) {
                XCTFail(failure)
            }
        }
        let pool = try XCTUnwrap(out["pool"]).tensor
        if let failure = BERTTests.mismatch(pool.data, try Self.floats("seeded_pool.bin"), rtol: 1e-4, floor: 0.01, "pool") {
            XCTFail(failure)
        }
        // Resuming at a cut equals the straight run: layer.2 from the cached layer.0.
        let mid = try XCTUnwrap(out["layer.0"])
        let resumed = try backbone.forward(Activations(tensor: mid.tensor, mask: mid.mask), from: "layer.0", taps: ["layer.2"])
        if let failure = BERTTests.mismatch(try XCTUnwrap(resumed["layer.2"]).tensor.data, try Self.floats("seeded_hidden_3.bin"),
                                            rtol: 1e-4, floor: 0.1, "layer.2 from layer.0") {
            XCTFail(failure)
        }
    }

    func testBertEntryRefusesMPNetWeightsNamingTheFix() throws {
        let folder = try Self.fixtureURL("seeded")
        XCTAssertThrowsError(try ModelCatalog.named("bert").load(folder.path)) { error in
            XCTAssertTrue("\(error)".contains("--model mpnet"), "\(error)")
        }
    }

    struct Real: Decodable {
        var texts: [String]; var ids: [[Int32]]; var token_counts_untruncated: [Int]; var embeddings_shape: [Int]
    }

    /// all-mpnet-base-v2 with its real weights: token ids equal the model's Hugging Face tokenizer and
    /// every embedding has cosine ≥ 0.9999 with sentence-transformers' (batches padded to their longest).
    func testAllMPNetBaseV2EqualsSentenceTransformers() throws {
        let asset = try XCTUnwrap(KnownAsset.named("all-mpnet-base-v2"))
        guard let path = asset.find() else {
            return XCTFail("all-mpnet-base-v2 is not installed. Fix: \(asset.installCommand)")
        }
        let real = try JSONDecoder().decode(Real.self, from: Data(contentsOf: try Self.fixtureURL("real.json")))
        let want = try Self.floats("real_embeddings.bin")
        XCTAssertEqual(real.embeddings_shape, [real.texts.count, 768])
        XCTAssertGreaterThan(real.token_counts_untruncated.filter { $0 > 384 }.count, 0, "some texts must exceed 384 tokens")
        let backbone = try XCTUnwrap(try ModelCatalog.named("all-mpnet-base-v2").load(path) as? BertBackbone)
        let tokenizer = try XCTUnwrap(backbone.tokenizer)
        XCTAssertEqual(tokenizer.maxLength, 384)
        let ids = tokenizer.encodeAll(real.texts)
        for (i, (got, ref)) in zip(ids, real.ids).enumerated() where got != ref {
            let at = zip(got, ref).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, ref.count)
            XCTFail("text \(i): token ids differ from the Hugging Face tokenizer at \(at) (\(got.count) vs \(ref.count) ids)")
        }
        var worst: Float = 1, worstAt = -1
        // Short sentences in one batch, articles in another (sentence-transformers also batches by length).
        let short = real.texts.indices.filter { real.ids[$0].count < 64 }, long = real.texts.indices.filter { real.ids[$0].count >= 64 }
        for group in [short, long] {
            let vectors = try backbone.sentenceEmbeddings(group.map { real.texts[$0] })
            for (i, v) in zip(group, vectors) {
                let ref = Array(want[i * 768..<(i + 1) * 768])
                var dot: Float = 0, nv: Float = 0, nr: Float = 0
                for k in 0..<768 { dot += v[k] * ref[k]; nv += v[k] * v[k]; nr += ref[k] * ref[k] }
                let cosine = dot / (nv.squareRoot() * nr.squareRoot())
                if !worst.isNaN, !(cosine >= worst) { worst = cosine; worstAt = i }   // the first NaN stays worst
            }
        }
        XCTAssertGreaterThanOrEqual(worst, 0.9999, "worst cosine \(worst) at text \(worstAt)")
        print("all-mpnet-base-v2 vs sentence-transformers: worst cosine \(worst) over \(real.texts.count) texts")
    }
}
