import ThawBackbones
import XCTest

/// The registry's fine-tuning knowledge: boundaries (about the top quarter trains), default taps,
/// and the plan it chooses for a cache's backbone, taps and `--from`.
final class ModelRegistryTests: XCTestCase {
    func entry(_ name: String) throws -> ModelEntry { try ModelCatalog.named(name) }

    func testBoundaryTable() throws {
        let expected = ["efficientnet-lite0": "blocks.11", "efficientnet-lite1": "blocks.15", "efficientnet-lite2": "blocks.15",
                        "efficientnet-lite3": "blocks.17", "efficientnet-lite4": "blocks.22", "mobilenet-v2": "features.14",
                        "resnet18": "layer3", "resnet50": "layer3", "resnet152": "layer3", "all-minilm-l6-v2": "layer.4",
                        "all-mpnet-base-v2": "layer.8"]
        for (name, tap) in expected {
            XCTAssertEqual(try entry(name).architecture.fineTuneBoundary()?.description, tap, name)
        }
        XCTAssertNil(try entry("bert").architecture.fineTuneBoundary(), "a generic BERT's layer count comes from its weights")
        XCTAssertEqual(try entry("bert").architecture.fineTuneBoundary(encoderLayers: 12), .encoderLayer(8))
        XCTAssertEqual(try entry("bert").architecture.fineTuneBoundary(encoderLayers: 24), .encoderLayer(17))
        XCTAssertTrue(try entry("efficientnet-lite4").architecture.fineTuneBoundaryText.contains("blocks 23–29 of 0–29"))
    }

    /// Lite and BERT stacks: the trained blocks are ⌊n/4⌋ (at least one) of n, i.e. 16–25% for every size Thaw knows.
    func testTopQuarterTrains() throws {
        for n in [6, 12, 16, 21, 24, 30] {
            let k = Architecture.topQuarterBoundary(blocks: n)
            let trained = Double(n - 1 - k) / Double(n)
            XCTAssertTrue((0.16...0.25).contains(trained), "n \(n): boundary \(k) trains \(trained)")
        }
        XCTAssertEqual(Architecture.topQuarterBoundary(blocks: 2), 0)
        // Every default boundary is a cut point of its architecture.
        for entry in ModelCatalog.all {
            guard let b = entry.architecture.fineTuneBoundary() else { continue }
            let cuts: [CutPoint]
            switch entry.architecture {
            case .efficientNetLite(let v): cuts = EfficientNetLite.cutPoints(variant: v)
            case .resNet: cuts = ResNet.cutPoints(classifier: true)
            case .mobileNetV2: cuts = MobileNetV2.cutPointNames
            case .bert(let c), .mpnet(let c): cuts = BertBackbone.cutPoints(layers: c!.layers)
            case .convNeXt: cuts = (["stem"] + (0..<4).map { "stages.\($0)" }).map { CutPoint(name: $0, layout: "HWC") }
            case .vit: XCTFail("\(entry.name): extract-only architectures have no boundary"); continue
            }
            XCTAssertTrue(cuts.contains { $0.name == b.description }, "\(entry.name): \(b)")
        }
    }

    func testDefaultTapsHelpNamesEveryBoundary() {
        let help = DefaultTaps.help
        for part in ["efficientnet-lite0 blocks.11", "efficientnet-lite4 blocks.22", "resnet50 layer3", "mobilenet-v2 features.14",
                     "all-minilm-l6-v2 layer.4", "bert (L layers)"] {
            XCTAssertTrue(help.contains(part), "\(part) in \(help)")
        }
    }

    // MARK: - The plan

    func plan(_ backbone: String, cached: [String], from: String?, raw: Bool = false) throws -> FineTunePlan {
        try ModelCatalog.fineTunePlan(backbone: backbone, cachedTaps: cached.map { ($0, [1]) }, from: from, cache: "C", raw: raw)
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    func testEfficientNetLitePlans() throws {
        let lite0 = ["blocks.11", "pool"]
        XCTAssertEqual(try plan("efficientnet-lite0", cached: lite0, from: "blocks.11"),
                       FineTunePlan(source: .cachedMaps, trained: .efficientNetLite(variant: 0, start: .after(block: 11)), from: .blocks(11)))
        XCTAssertEqual(try plan("efficientnet-lite0", cached: lite0, from: nil).from, .blocks(11), "the boundary, cached")
        // Above the cached map: from the cache, blocks 12–13 frozen; below it (or with --raw): raw images.
        let above = try plan("efficientnet-lite0", cached: lite0, from: "blocks.13")
        XCTAssertEqual(above, FineTunePlan(source: .cachedMaps, trained: .efficientNetLite(variant: 0, start: .after(block: 13)),
                                           from: .blocks(13), cachedTap: .blocks(11)))
        XCTAssertTrue(above.runsFrozenBlocks)
        XCTAssertEqual(above.frozenBlocksNote, "starting from cached blocks.11, running 12–13 frozen (forward only, no gradient)")
        XCTAssertEqual(try plan("efficientnet-lite0", cached: lite0 + ["blocks.12"], from: "blocks.13").frozenBlocksText, "13", "the deepest cached tap below")
        XCTAssertEqual(try plan("efficientnet-lite0", cached: ["stem"], from: "blocks.1").frozenBlocksText, "0–1")
        XCTAssertFalse(try plan("efficientnet-lite0", cached: lite0, from: "blocks.11").runsFrozenBlocks)
        XCTAssertEqual(try plan("efficientnet-lite0", cached: lite0, from: "blocks.13", raw: true),
                       FineTunePlan(source: .rawImages, trained: .efficientNetLite(variant: 0, start: .after(block: 13)), from: .blocks(13)))
        XCTAssertEqual(try plan("efficientnet-lite0", cached: lite0, from: "blocks.9"),
                       FineTunePlan(source: .rawImages, trained: .efficientNetLite(variant: 0, start: .after(block: 9)), from: .blocks(9)))
        XCTAssertNil(try plan("efficientnet-lite0", cached: lite0, from: "blocks.9").cachedTap)
        XCTAssertEqual(try plan("efficientnet-lite0", cached: lite0, from: "input").trained, .efficientNetLite(variant: 0, start: .input))
        XCTAssertEqual(try plan("efficientnet-lite0", cached: lite0, from: "stem").source, .rawImages)
        XCTAssertEqual(try plan("efficientnet-lite0", cached: ["blocks.15"], from: "blocks.15").source, .cachedMaps, "head stage only")
        XCTAssertTrue(message { try self.plan("efficientnet-lite0", cached: lite0, from: "blocks.16") }.contains("past the last block"))
        XCTAssertTrue(message { try self.plan("efficientnet-lite0", cached: lite0, from: "pool") }.contains("input, stem or blocks.K"))
        XCTAssertTrue(message { try self.plan("efficientnet-lite0", cached: lite0, from: "block11") }.contains(TapName.forms))
    }

    /// A cache made with an older default boundary (Lite4 once stored blocks.11) still fine-tunes, from that tap.
    func testOldDefaultBoundaryStillPlans() throws {
        let old = try plan("efficientnet-lite4", cached: ["blocks.11", "pool"], from: nil)
        XCTAssertEqual(old, FineTunePlan(source: .cachedMaps, trained: .efficientNetLite(variant: 4, start: .after(block: 11)), from: .blocks(11)))
        XCTAssertEqual(try plan("efficientnet-lite4", cached: ["blocks.11", "blocks.22", "pool"], from: nil).from, .blocks(22))
        XCTAssertEqual(try plan("bert", cached: ["layer.4", "pool"], from: nil).trained, .bert(layer: 4))
        XCTAssertTrue(message { try self.plan("efficientnet-lite0", cached: ["pool"], from: nil) }.contains("no cached tap"))
    }

    func testResNetPlans() throws {
        XCTAssertEqual(try plan("resnet18", cached: ["stem", "layer3"], from: "stem").trained, .resNet(depth: 18, stage: 0))
        XCTAssertEqual(try plan("resnet152", cached: ["layer1"], from: "layer1").trained, .resNet(depth: 152, stage: 1))
        XCTAssertEqual(try plan("resnet50", cached: ["layer3", "pool"], from: nil),
                       FineTunePlan(source: .cachedMaps, trained: .resNet(depth: 50, stage: 3), from: .layer(3)))
        XCTAssertTrue(message { try self.plan("resnet50", cached: ["layer3"], from: "layer2") }.contains("neither tap layer2 nor a tap below it"))
        let resAbove = try plan("resnet18", cached: ["layer2", "pool"], from: "layer3")
        XCTAssertEqual(resAbove, FineTunePlan(source: .cachedMaps, trained: .resNet(depth: 18, stage: 3), from: .layer(3), cachedTap: .layer(2)))
        XCTAssertEqual(resAbove.frozenBlocksText, "layer3")
        XCTAssertEqual(try plan("resnet18", cached: ["stem"], from: "layer2").frozenBlocksText, "layer1–layer2")
        XCTAssertTrue(message { try self.plan("resnet18", cached: ["layer3"], from: "layer3", raw: true) }.contains("--raw"))
        for bad in ["layer4", "layer0", "pool", "fc", "blocks.3", "input"] {
            XCTAssertTrue(message { try self.plan("resnet50", cached: ["layer3", bad], from: bad) }.contains("layerK (K = 1…3) or stem"), bad)
        }
        XCTAssertTrue(message { try self.plan("resnet19", cached: ["layer3"], from: "layer3") }.contains("fine-tuning supports"))
    }

    func testBertAndUntrainablePlans() throws {
        XCTAssertEqual(try plan("all-minilm-l6-v2", cached: ["layer.4", "pool"], from: "layer.4"),
                       FineTunePlan(source: .cachedHiddenStates, trained: .bert(layer: 4), from: .encoderLayer(4)))
        XCTAssertEqual(try plan("all-minilm-l6-v2", cached: ["layer.2", "pool"], from: nil).from, .encoderLayer(2), "deepest cached")
        XCTAssertTrue(message { try self.plan("all-minilm-l6-v2", cached: ["layer.4"], from: "layer.3") }.contains("neither tap layer.3"))
        XCTAssertEqual(try plan("all-minilm-l6-v2", cached: ["layer.2", "pool"], from: "layer.4"),
                       FineTunePlan(source: .cachedHiddenStates, trained: .bert(layer: 4), from: .encoderLayer(4), cachedTap: .encoderLayer(2)))
        XCTAssertEqual(try plan("all-minilm-l6-v2", cached: ["layer.2"], from: "layer.4").frozenBlocksText, "3–4")
        XCTAssertTrue(message { try self.plan("all-minilm-l6-v2", cached: ["pool"], from: "pool") }.contains("layer.K"))
    }

    func testMobileNetV2Plans() throws {
        XCTAssertEqual(try plan("mobilenet-v2", cached: ["features.14", "pool"], from: nil),
                       FineTunePlan(source: .cachedMaps, trained: .mobileNetV2(feature: 14), from: .features(14)))
        let above = try plan("mobilenet-v2", cached: ["features.12", "pool"], from: "features.14")
        XCTAssertEqual(above, FineTunePlan(source: .cachedMaps, trained: .mobileNetV2(feature: 14), from: .features(14), cachedTap: .features(12)))
        XCTAssertEqual(above.frozenBlocksText, "features.13–features.14")
        XCTAssertEqual(try plan("mobilenet-v2", cached: ["features.17"], from: "features.17").trained, .mobileNetV2(feature: 17))
        XCTAssertTrue(message { try self.plan("mobilenet-v2", cached: ["features.14"], from: "features.18") }.contains("features.K (K = 0…17)"))
        // Below every cached map, or with --raw: the re-read images (the stem and features 1…K run frozen on the fly).
        XCTAssertEqual(try plan("mobilenet-v2", cached: ["features.14"], from: "features.11"),
                       FineTunePlan(source: .rawImages, trained: .mobileNetV2(feature: 11), from: .features(11)))
        XCTAssertEqual(try plan("mobilenet-v2", cached: ["features.14"], from: "features.14", raw: true),
                       FineTunePlan(source: .rawImages, trained: .mobileNetV2(feature: 14), from: .features(14)))
        XCTAssertTrue(message { try self.plan("mobilenet-v2", cached: ["features.14"], from: "pool") }.contains("features.K"))
        XCTAssertTrue(message { try self.plan("resnet18", cached: ["layer3"], from: "layer3", raw: true) }
                        .contains("for EfficientNet-Lite and MobileNetV2 caches"), "the refusal names the families that can")
    }

    // MARK: - --unfreeze N

    func testUnfreezeNamesTheTapBelowTheTopBlocks() throws {
        func from(_ n: Int, _ backbone: String, layers: Int? = nil) throws -> String {
            try ModelCatalog.fromTap(unfreezing: n, backbone: backbone, encoderLayers: layers).description
        }
        XCTAssertEqual(try from(4, "efficientnet-lite0"), "blocks.11", "Lite0's top quarter: blocks 12–15")
        XCTAssertEqual(try from(1, "efficientnet-lite0"), "blocks.14")
        XCTAssertEqual(try from(16, "efficientnet-lite0"), "stem", "every block trains: the stem's output, raw images")
        XCTAssertEqual(try from(7, "efficientnet-lite4"), "blocks.22")
        XCTAssertTrue(message { try from(17, "efficientnet-lite0") }.contains("efficientnet-lite0 has 16 MBConv blocks"))
        XCTAssertTrue(message { try from(17, "efficientnet-lite0") }.contains("Fix: pass --unfreeze 1…16"))
        XCTAssertEqual(try from(1, "resnet50"), "layer3")
        XCTAssertEqual(try from(4, "resnet18"), "stem")
        XCTAssertTrue(message { try from(5, "resnet18") }.contains("4 stages (layer1…layer4)"))
        XCTAssertEqual(try from(2, "all-minilm-l6-v2"), "layer.3")
        XCTAssertEqual(try from(5, "all-minilm-l6-v2"), "layer.0")
        XCTAssertTrue(message { try from(6, "all-minilm-l6-v2") }.contains("layer 0 stays frozen"))
        XCTAssertEqual(try from(3, "bert", layers: 12), "layer.8")
        XCTAssertTrue(message { try from(3, "bert") }.contains("read from its weights"))
        XCTAssertEqual(try from(3, "mobilenet-v2"), "features.14", "the default boundary: features 15–17 train")
        XCTAssertEqual(try from(17, "mobilenet-v2"), "features.0")
        XCTAssertTrue(message { try from(18, "mobilenet-v2") }.contains("17 inverted-residual blocks"))
        XCTAssertTrue(message { try from(0, "resnet18") }.contains("--unfreeze 0"))
    }
}
