import Foundation
import ThawAssets
@_spi(Profile) import ThawBackbones
import ThawKernels
import ThawText
import XCTest

/// all-MiniLM-L6-v2 with its real weights against BERT written out in torch (float64):
/// scripts/golden/bert_minilm.py. Hidden states at every layer boundary and the
/// sentence-transformers embeddings — with the linear layers packed for the AVX-512 panel kernel (on
/// CPUs that have it) and through OpenBLAS.
final class BERTTests: XCTestCase {
    override func tearDown() { PanelLinear.packsAtLoad = true }

    struct Manifest: Decodable { var sentences: [String]; var shapes: [String: [Int]] }

    static func fixture(_ name: String) throws -> [Float] {
        guard let url = Bundle.module.url(forResource: "bert_\(name)", withExtension: name == "manifest" ? "json" : "bin",
                                          subdirectory: "Fixtures") else {
            throw MissingFixture("fixture bert_\(name) missing: run python3 scripts/golden/bert_minilm.py")
        }
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// Relative error against max(|want|, floor); fails naming the worst element.
    func assertClose(_ got: [Float], _ want: [Float], rtol: Float, floor: Float, _ label: String) {
        if let failure = Self.mismatch(got, want, rtol: rtol, floor: floor, label) { XCTFail(failure) }
    }

    /// Why `got` is not within `rtol` of `want` relative to max(|want|, floor), or nil; NaN fails.
    static func mismatch(_ got: [Float], _ want: [Float], rtol: Float, floor: Float, _ label: String) -> String? {
        guard got.count == want.count else { return "\(label): \(got.count) values, want \(want.count)" }
        var worst: Float = 0, at = 0
        for i in 0..<got.count {
            let e = abs(got[i] - want[i]) / max(abs(want[i]), floor)
            if !worst.isNaN, !(e <= worst) { worst = e; at = i }   // the first NaN stays worst
        }
        return worst <= rtol ? nil : "\(label): max relative error \(worst) at [\(at)]: got \(got[at]), want \(want[at])"
    }

    func testMiniLMMatchesTorchAtEveryLayerAndPooled() throws {
        for panels in [true, false] {
            PanelLinear.packsAtLoad = panels
            try miniLMMatchesTorch(panels: panels && VectorISA.packedKernels)
        }
    }

    private func miniLMMatchesTorch(panels: Bool) throws {
        let asset = KnownAsset.named("all-minilm-l6-v2")!
        guard let path = asset.find() else { throw XCTSkip("all-MiniLM-L6-v2 is not installed: \(asset.installCommand)") }
        let st = try SafetensorsF32(path: path)
        let encoder = try BertEncoder(configuration: .miniLML6) { name, shape in try st.tensor(name, shape: shape) }
        let form = panels ? "panels" : "OpenBLAS"
        for layer in encoder.layers {
            if case .panels = layer.projections { XCTAssertTrue(panels, "packed although \(form) was asked for") }
            else { XCTAssertFalse(panels, "OpenBLAS although the panels were asked for") }
        }
        let tokenizer = try BertTokenizer(modelDirectory: URL(fileURLWithPath: path).deletingLastPathComponent())

        guard let murl = Bundle.module.url(forResource: "bert_manifest", withExtension: "json", subdirectory: "Fixtures") else {
            throw MissingFixture("fixture bert_manifest.json missing: run python3 scripts/golden/bert_minilm.py")
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: murl))
        let batch = tokenizer.encodeBatch(manifest.sentences)
        XCTAssertEqual(batch.ids, try Self.fixture("ids").map { Int32($0) }, "token ids")
        XCTAssertEqual(batch.attentionMask, try Self.fixture("mask").map { Int32($0) }, "attention mask")

        var ws = BertEncoder.Workspace(.miniLML6, batch: batch.batchSize, length: batch.length)
        var states: [[Float]] = []
        encoder.forward(ids: batch.ids, typeIds: batch.tokenTypeIds, mask: batch.attentionMask,
                        batch: batch.batchSize, length: batch.length, workspace: &ws) { _, h in states.append(Array(h)) }
        XCTAssertEqual(states.count, 7)
        for (k, got) in states.enumerated() {
            // Hidden states are LayerNorm outputs, O(1) (a few reach ~10): judge against 0.1.
            assertClose(got, try Self.fixture("hidden_\(k)"), rtol: 1e-4, floor: 0.1, "\(form): hidden state \(k)")
        }
        let sentences = encoder.sentenceEmbeddings(batch, workspace: &ws)
        assertClose(sentences, try Self.fixture("sentence"), rtol: 1e-4, floor: 0.01, "\(form): sentence embeddings")
    }

    /// Batch 32 × 128 (4,096 token rows: the proj and ffn-down tiles span all 384 columns, so each LayerNorm runs on
    /// its tile's rows; qkv in 24 tiles instead of 21; the feed-forward by blocks of 96 rows; the attention sentence
    /// by sentence): every hidden state bit for bit as with the four switches off.
    func testTileLayerNormsCoreMultipleTilesAndFeedForwardBlocksKeepEveryBit() throws {
        let blocks = PanelFeedForward.rowBlock
        defer {
            PanelLinear.rowEpilogueInTiles = false; PanelLinear.coreMultipleTiles = false; PanelFeedForward.rowBlock = blocks
            PanelSelfAttention.bySentences = true
        }
        let asset = KnownAsset.named("all-minilm-l6-v2")!
        guard let path = asset.find() else { throw XCTSkip("all-MiniLM-L6-v2 is not installed: \(asset.installCommand)") }
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA")
        let st = try SafetensorsF32(path: path)
        let encoder = try BertEncoder(configuration: .miniLML6) { name, shape in try st.tensor(name, shape: shape) }
        let (batch, length) = (32, 128)
        var state: UInt32 = 7
        let ids = (0..<batch * length).map { _ -> Int32 in state = state &* 1664525 &+ 1013904223; return Int32(state >> 17) % 29000 + 1000 }
        let mask = (0..<batch * length).map { Int32($0 % length < 40 + 2 * ($0 / length) ? 1 : 0) }
        var runs: [[[Float]]] = []
        for on in [true, false] {
            PanelLinear.rowEpilogueInTiles = on
            PanelLinear.coreMultipleTiles = on
            PanelFeedForward.rowBlock = on ? 96 : 0
            PanelSelfAttention.bySentences = on
            var ws = BertEncoder.Workspace(.miniLML6, batch: batch, length: length)
            var states: [[Float]] = []
            encoder.forward(ids: ids, typeIds: nil, mask: mask, batch: batch, length: length, workspace: &ws) { _, h in
                states.append(Array(h))
            }
            runs.append(states)
        }
        XCTAssertEqual(runs[0].count, 7)
        for (k, (a, b)) in zip(runs[0], runs[1]).enumerated() {
            XCTAssertTrue(a.allSatisfy(\.isFinite), "hidden state \(k) finite")
            XCTAssertTrue(zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }, "hidden state \(k): the same bits")
        }
    }

    func testWrongParameterSizeThrowsNamingIt() {
        XCTAssertThrowsError(try BertEncoder(configuration: .miniLML6) { name, shape in
            [Float](repeating: 0, count: name.hasSuffix("word_embeddings.weight") ? 7 : shape.reduce(1, *))
        }) { error in
            XCTAssertTrue("\(error)".contains("embeddings.word_embeddings.weight"), "\(error)")
        }
    }
}
