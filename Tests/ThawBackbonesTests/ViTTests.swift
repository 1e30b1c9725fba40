import Foundation
@testable import ThawBackbones
import ThawKernels
import XCTest

/// The ViT against the float64 pure-torch reference of scripts/golden/vit.py: every cut point of every
/// key layout (timm, DINOv2 repository, Hugging Face Dinov2Model and CLIP), at the checkpoint's own
/// grid and at other input sizes (position embeddings resampled by each library's rule), and a
/// start from a cached block.
final class ViTTests: XCTestCase {
    func testEveryCutPointOfEveryLayoutMatchesTorch() throws {
        let manifest = try ViTManifest.load()
        XCTAssertEqual(Set(manifest.cases.map(\.layout)), ["timm", "dinov2-repository", "hf-dinov2", "hf-clip"])
        var compared = 0
        for c in manifest.cases {
            let model = try ViTManifest.model(c)
            XCTAssertEqual(model.keyLayout.rawValue, c.layout, c.name)
            for input in c.inputs {
                let x = Activations(tensor: Tensor(shape: input.input.shape, data: try ViTManifest.floats(input.input.file)))
                let out = try model.forward(x, from: nil, taps: input.taps.map(\.name))
                XCTAssertEqual(Set(input.taps.map(\.name)), Set(model.cutPoints.map(\.name)), "\(c.name): the fixture covers every cut point")
                for tap in input.taps {
                    let got = try XCTUnwrap(out[tap.name], "\(c.name) \(tap.name)")
                    XCTAssertEqual(got.tensor.shape, tap.shape, "\(c.name) \(tap.name)")
                    XCTAssertEqual(try model.outputShape(at: tap.name, inputShape: Array(input.input.shape.dropFirst())),
                                   Array(tap.shape.dropFirst()), "\(c.name) \(tap.name) outputShape")
                    let label = "\(c.name) \(input.input.shape[1])×\(input.input.shape[2]) \(tap.name)"
                    let rel = assertTap(got.tensor.data, try ViTManifest.floats(tap.file), maxAbs: tap.max_abs, label)
                    print(String(format: "vit %@: max |error| / max_abs %.2e", label, rel))
                    compared += 1
                }
            }
        }
        XCTAssertGreaterThanOrEqual(compared, 6 * 2 * 5)
    }

    /// The sizes read from each file and the family choices: registers, grid, projection, QuickGELU,
    /// the resampling rule of the layout.
    func testConfigurationReadFromEachLayout() throws {
        for c in try ViTManifest.load().cases {
            let cfg = try ViTManifest.model(c).configuration
            let a = c.architecture
            XCTAssertEqual([cfg.width, cfg.depth, cfg.heads, cfg.mlpWidth, cfg.patch, cfg.positionGrid, cfg.registers],
                           [a.width, a.depth, a.heads, a.mlp, a.patch, a.grid, a.registers], c.name)
            XCTAssertEqual(cfg.projection, a.projection, c.name)
            XCTAssertEqual(cfg.activation.rawValue, a.activation, c.name)
            XCTAssertEqual(cfg.layerNormEps, a.eps, c.name)
            XCTAssertEqual(cfg.pooling.rawValue, a.pooling, c.name)
            let rule: PositionEmbeddingResample = c.resample == "timm" ? .timm : c.resample == "hf" ? .plainBicubic : .dinov2Repository
            XCTAssertEqual(cfg.positionResample, rule, c.name)
        }
    }

    /// Fine-tuning and `--from` start at a cached block: the rest from the reference's blocks.0 gives
    /// its blocks.1, cls and pool.
    func testStartFromCachedBlockMatchesTorch() throws {
        let manifest = try ViTManifest.load()
        for c in manifest.cases {
            let model = try ViTManifest.model(c)
            let input = c.inputs.last!
            func tap(_ name: String) throws -> ViTManifest.Tap { try XCTUnwrap(input.taps.first { $0.name == name }, name) }
            let start = try tap("blocks.0")
            let x = Activations(tensor: Tensor(shape: start.shape, data: try ViTManifest.floats(start.file)))
            let out = try model.forward(x, from: "blocks.0", taps: ["blocks.1", "cls", "pool"])
            for name in ["blocks.1", "cls", "pool"] {
                let want = try tap(name)
                assertTap(try XCTUnwrap(out[name]).tensor.data, try ViTManifest.floats(want.file), maxAbs: want.max_abs,
                          "\(c.name) \(name) from blocks.0")
            }
            XCTAssertThrowsError(try model.forward(x, from: "blocks.0", taps: ["embeddings"]))
            XCTAssertThrowsError(try model.forward(x, from: "cls", taps: ["pool"]))
        }
    }

    /// The pooling choice is explicit: the same weights pool class token, patch mean, or both.
    func testPoolingChoicesAgreeWithTheirParts() throws {
        let c = try XCTUnwrap(try ViTManifest.load().cases.first { $0.name == "timm_dinov2_reg" })
        let input = c.inputs[1]
        let x = Activations(tensor: Tensor(shape: input.input.shape, data: try ViTManifest.floats(input.input.file)))
        var pools: [ViTPooling: [Float]] = [:]
        for pooling in [ViTPooling.classToken, .patchMean, .classAndPatchMean] {
            var variant = ViTVariant.dinov2(heads: c.architecture.heads)
            variant.pooling = pooling
            let model = try ViT.load(name: "v", path: try ViTManifest.path(c.weights), variant: variant)
            let out = try model.forward(x, from: nil, taps: ["cls", "pool"])
            pools[pooling] = try XCTUnwrap(out["pool"]).tensor.data
            XCTAssertEqual(try model.outputShape(at: "pool", inputShape: [70, 70, 3]), [pooling == .classAndPatchMean ? 64 : 32])
            if pooling == .classToken { XCTAssertEqual(pools[pooling], out["cls"]!.tensor.data) }
        }
        let width = c.architecture.width
        for b in 0..<2 {
            let both = Array(pools[.classAndPatchMean]![b * 2 * width..<(b + 1) * 2 * width])
            XCTAssertEqual(Array(both[0..<width]), Array(pools[.classToken]![b * width..<(b + 1) * width]))
            XCTAssertEqual(Array(both[width...]), Array(pools[.patchMean]![b * width..<(b + 1) * width]))
        }
    }

    func testBadInputsThrowClearErrors() throws {
        let c = try XCTUnwrap(try ViTManifest.load().cases.first { $0.name == "timm_deit" })
        let model = try ViTManifest.model(c)
        XCTAssertThrowsError(try model.forward(Activations(tensor: Tensor(zeros: [1, 8, 8, 3])), from: nil, taps: ["pool"])) {
            XCTAssertTrue("\($0)".contains("H, W ≥ 16"), "\($0)")
        }
        XCTAssertThrowsError(try model.forward(Activations(tensor: Tensor(zeros: [1, 64, 64, 3])), from: nil, taps: ["blocks.7"])) {
            XCTAssertTrue("\($0)".contains("cut points"), "\($0)")
        }
        // Another family's file: a ResNet-like key set is not a ViT.
        XCTAssertThrowsError(try ViT.load(name: "x", path: try ViTManifest.path("timm_deit/64x64/input.bin"), variant: .deit(heads: 4)))
    }
}

extension ViTTests {
    /// The three libraries' position resampling rules differ far beyond the tolerance, so each
    /// fixture pins its own: with another rule the resized inputs' embeddings fail.
    func testOnlyTheLayoutsResampleRuleMatches() throws {
        for c in try ViTManifest.load().cases where c.name == "timm_dinov2_reg" || c.name == "repo_dinov2_reg" || c.name == "hf_dinov2" {
            let (cfg, weights, layout) = try ViTWeights.load(try ViTManifest.path(c.weights), variant: try ViTManifest.variant(c))
            let input = try XCTUnwrap(c.inputs.first { $0.input.shape[1] != 56 || $0.input.shape[2] != 56 })
            let x = Activations(tensor: Tensor(shape: input.input.shape, data: try ViTManifest.floats(input.input.file)))
            let want = try XCTUnwrap(input.taps.first { $0.name == "embeddings" })
            let reference = try ViTManifest.floats(want.file)
            for rule in [PositionEmbeddingResample.timm, .plainBicubic, .dinov2Repository] {
                var changed = cfg
                changed.positionResample = rule
                let model = ViT(name: "v", configuration: changed, weights: weights, keyLayout: layout)
                let got = try XCTUnwrap(try model.forward(x, from: nil, taps: ["embeddings"])["embeddings"]).tensor.data
                let mismatch = tapMismatch(got, reference, maxAbs: want.max_abs, rtol: 1e-4, "\(c.name) \(rule)")
                if rule == cfg.positionResample { XCTAssertNil(mismatch) } else { XCTAssertNotNil(mismatch, "\(c.name): \(rule) also matched") }
            }
        }
    }
}

extension ViTTests {
    /// A Hugging Face model folder loads (its model.safetensors), and its config.json names eps and activation
    /// (CLIPConfig nests them in `vision_config`); a broken one is an error naming the file, not silently ignored.
    func testConfigJSONBesideTheWeightsIsRead() throws {
        let folder = NSTemporaryDirectory() + "thaw-vit-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        let weights = folder + "/model.safetensors"
        try FileManager.default.copyItem(atPath: try ViTManifest.path("hf_clip.safetensors"), toPath: weights)
        let config = folder + "/config.json"
        try Data(#"{"vision_config": {"hidden_act": "gelu", "layer_norm_eps": 1e-6, "num_attention_heads": 4}}"#.utf8)
            .write(to: URL(fileURLWithPath: config))
        let cfg = try ViT.load(name: "c", path: folder, variant: .clip(heads: nil)).configuration   // the folder: its model.safetensors
        XCTAssertEqual(cfg.activation, .gelu)
        XCTAssertEqual(cfg.layerNormEps, 1e-6)
        XCTAssertEqual(cfg.heads, 4)
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: config))
        XCTAssertThrowsError(try ViT.load(name: "c", path: weights, variant: .clip(heads: 4))) {
            XCTAssertTrue("\($0)".contains("config.json: not a JSON object"), "\($0)")
        }
        try FileManager.default.removeItem(atPath: weights)
        XCTAssertThrowsError(try ViT.load(name: "c", path: folder, variant: .clip(heads: 4))) {
            XCTAssertTrue("\($0)".contains("neither model.safetensors nor pytorch_model.bin"), "\($0)")
        }
    }
}
