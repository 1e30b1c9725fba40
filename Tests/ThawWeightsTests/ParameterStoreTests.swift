import Foundation
import XCTest
@testable import ThawWeights

final class ParameterStoreTests: XCTestCase {
    private func store(_ rules: [KeyRule] = []) throws -> ParameterStore {
        try ParameterStore(path: Fixture.path("small_zip.pt"), rules: rules)
    }

    func testTakeEverythingThenFinish() throws {
        let s = try store([.ignore("*.num_batches_tracked")])
        let conv = s.scoped("conv")
        XCTAssertEqual(try conv.take("weight", shape: [4, 3, 3, 3]).count, 108)
        _ = try conv.take("bias", shape: [4])
        for n in ["weight", "bias", "running_mean", "running_var"] { _ = try s.scoped("bn").take(n, shape: [4]) }
        _ = try s.take("fc.weight", shape: [5, 16])
        XCTAssertThrowsError(try s.finish())
        _ = try s.take("fc.bias", shape: [5])
        XCTAssertNoThrow(try s.finish())
    }

    func testValuesMatchGolden() throws {
        let row = try XCTUnwrap(Fixture.expected["small_zip.pt"]?.first { $0.name == "fc.weight" })
        let got = try store().take("fc.weight", shape: [5, 16])
        assertClose(got, Array(Fixture.expectedValues[row.offset..<(row.offset + 80)]), "fc.weight")
    }

    func testUnusedKeysAreListed() throws {
        let s = try store()
        _ = try s.take("conv.weight", shape: [4, 3, 3, 3])
        assertWeightsError(["8 unused key(s)", "bn.num_batches_tracked []", "fc.weight [5, 16]"]) { try s.finish() }
    }

    func testShapeMismatchNamesBothShapes() throws {
        assertWeightsError(["small_zip.pt", "'fc.weight'", "file has [5, 16]", "expects [10, 16]"]) {
            _ = try self.store().take("fc.weight", shape: [10, 16])
        }
    }

    func testMissingKeySuggestsCloseMatches() throws {
        assertWeightsError(["missing parameter 'fc.weights'", "closest keys in the file: fc.weight"]) {
            _ = try self.store().take("fc.weights", shape: [5, 16])
        }
        assertWeightsError(["missing parameter 'head.fc.weight'", "fc.weight"]) {
            _ = try self.store().take("head.fc.weight", shape: [5, 16])
        }
    }

    func testRenameRulesAreApplied() throws {
        let s = try store([.addPrefix("module."), .stripPrefix("module."), .replacePrefix("fc.", with: "head."),
                           .renameSegment("running_var", to: "var"), .ignore("bn.num_batches_tracked")])
        XCTAssertEqual(s.names, ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.var", "head.weight", "head.bias"])
        assertWeightsError(["'bn.running_mean'", "'bn.running_var'", "both map"]) {
            _ = try self.store([.renameSegment("running_var", to: "running_mean")])
        }
    }

    func testTransposeRule() throws {
        let plain = try store().take("fc.weight", shape: [5, 16])
        let s = try store([.transpose("fc.*")])
        let t = try s.take("fc.weight", shape: [16, 5])
        for r in 0..<5 { for c in 0..<16 { XCTAssertEqual(t[c * 5 + r], plain[r * 16 + c]) } }
    }

    func testNestedCheckpointPrefixStripped() throws {
        let s = try ParameterStore(path: Fixture.path("views_zip.pt"), rules: [.stripPrefix("state_dict.")])
        XCTAssertTrue(s.contains("transposed"))
        XCTAssertEqual(try s.take("long", shape: [2]), [5, -6])
    }

    func testKeyPatterns() {
        XCTAssertTrue(KeyPattern.matches("*.num_batches_tracked", "_blocks.3._bn1.num_batches_tracked"))
        XCTAssertTrue(KeyPattern.matches("encoder.*.weight", "encoder.layer.0.weight"))
        XCTAssertFalse(KeyPattern.matches("encoder.*.weight", "encoder.layer.0.bias"))
        XCTAssertFalse(KeyPattern.matches("fc", "fc.weight"))
    }
}
