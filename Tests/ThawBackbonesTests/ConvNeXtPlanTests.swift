import ThawBackbones
import XCTest

/// The registry's fine-tuning plans for ConvNeXt caches: stage boundaries (`stem`, `stages.0…2`), the default
/// `stages.2`, frozen stages between a cached tap and `--from`, `--unfreeze N` in stages, and the refusals.
final class ConvNeXtPlanTests: XCTestCase {
    func plan(_ backbone: String, cached: [String], from: String?, raw: Bool = false) throws -> FineTunePlan {
        try ModelCatalog.fineTunePlan(backbone: backbone, cachedTaps: cached.map { ($0, [1]) }, from: from, cache: "C", raw: raw)
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    func testBoundaryIsStageTwoAndPlansStartAtStages() throws {
        for name in ["convnext-tiny", "convnext-small", "convnext"] {
            let entry = try ModelCatalog.named(name)
            XCTAssertTrue(entry.architecture.isFineTunable)
            XCTAssertEqual(entry.architecture.fineTuneBoundary(), .stages(2), name)
            XCTAssertEqual(try plan(name, cached: ["stages.2", "pool"], from: nil),
                           FineTunePlan(source: .cachedMaps, trained: .convNeXt(firstStage: 3), from: .stages(2)), name)
        }
        XCTAssertTrue(DefaultTaps.help.contains("convnext-tiny stages.2"))
        XCTAssertEqual(try plan("convnext-tiny", cached: ["stem", "pool"], from: "stem"),
                       FineTunePlan(source: .cachedMaps, trained: .convNeXt(firstStage: 0), from: .stem))
        // Above the cached map: stages in between run frozen.
        let above = try plan("convnext-tiny", cached: ["stages.0", "pool"], from: "stages.2")
        XCTAssertEqual(above, FineTunePlan(source: .cachedMaps, trained: .convNeXt(firstStage: 3), from: .stages(2), cachedTap: .stages(0)))
        XCTAssertEqual(above.frozenBlocksText, "stages.1–stages.2")
        XCTAssertEqual(try plan("convnext-tiny", cached: ["stem"], from: "stages.0").frozenBlocksText, "stages.0")
        // Without the boundary cached: the deepest cached tap training can start from.
        XCTAssertEqual(try plan("convnext-tiny", cached: ["stages.1", "pool"], from: nil).from, .stages(1))
    }

    func testRefusals() throws {
        XCTAssertTrue(message { try self.plan("convnext-tiny", cached: ["stages.3", "pool"], from: "stages.3") }
                        .contains("stages.K (K = 0…2) or stem"))
        XCTAssertTrue(message { try self.plan("convnext-tiny", cached: ["pool"], from: "stages.2") }
                        .contains("re-extract with --tap stages.2"))
        XCTAssertTrue(message { try self.plan("convnext-tiny", cached: ["stages.2"], from: "stages.2", raw: true) }.contains("Fix: drop --raw"))
        XCTAssertTrue(message { try self.plan("convnext-tiny", cached: ["pool"], from: nil) }.contains("--tap stages.2"))
    }

    func testUnfreezeCountsStages() throws {
        XCTAssertEqual(try ModelCatalog.fromTap(unfreezing: 1, backbone: "convnext-tiny"), .stages(2))
        XCTAssertEqual(try ModelCatalog.fromTap(unfreezing: 3, backbone: "convnext"), .stages(0))
        XCTAssertEqual(try ModelCatalog.fromTap(unfreezing: 4, backbone: "convnext-small"), .stem)
        XCTAssertTrue(message { try ModelCatalog.fromTap(unfreezing: 5, backbone: "convnext-tiny") }.contains("--unfreeze 1…4"))
    }
}
