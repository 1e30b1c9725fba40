import Foundation
import ThawWeights
import XCTest

/// `thaw finetune` of a vision transformer end to end through the binary: a seeded DINOv2 ViT-S/14 with
/// registers and LayerScale (timm keys, 3 blocks: the default boundary is blocks.1, block 2 trains) over real
/// Fashion-MNIST at 56 px (21 tokens), extract → finetune (checkpoints, --resume) → export → predict,
/// from the raw images and from the cache; `--unfreeze`, and `--from` above the cached tap (frozen block).
final class ViTFineTuneCLITests: XCTestCase {
    var thaw: ThawBinary { get throws { try ThawBinary.find() } }
    private var dir = ""

    override func setUpWithError() throws {
        _ = try ThawBinary.find()
        dir = NSTemporaryDirectory() + "thaw-vit-finetune-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(atPath: dir) }
    }

    private func metric(_ run: [String: Any], _ key: String, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        try XCTUnwrap((run["metrics"] as? [String: Any])?[key] as? Double, "run record lacks metrics.\(key)", file: file, line: line)
    }

    func testDINOv2TopBlockFineTunesExportsAndPredicts() throws {
        let weights = dir + "/vits14.safetensors", cache = dir + "/fm", bundle = dir + "/vit-ft.safetensors"
        try SafetensorsWriter.write(Self.seededViTS14(depth: 3), to: weights)
        // Default taps: the boundary of 3 blocks (blocks.1) beside pool.
        try thaw.ok(["extract", "--model", "dinov2-vits14", "--weights", weights, "--data", "fashion-mnist", "--limit", "24",
                     "--image-size", "56", "--dtype", "f32", "--cache", cache])
        let info = try thaw.ok(["cache", "info", cache, "--json"]).json
        let taps = try XCTUnwrap((info["manifest"] as? [String: Any])?["taps"] as? [[String: Any]])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: taps.map { ($0["name"] as! String, $0["shape"] as! [Int]) }),
                       ["blocks.1": [21, 384], "pool": [768]])

        let args = ["finetune", "--cache", cache, "--weights", weights, "--epochs", "2", "--lr", "0.001", "--batch", "16",
                    "--checkpoint", dir + "/ck", "--export", bundle]
        let text = try thaw.ok(args).stdout
        XCTAssertTrue(text.contains("--from blocks.1") && text.contains("1 block (blocks.2) + head"), text)
        let run = try thaw.ok(args + ["--resume", "--json"]).json   // every epoch is in the checkpoint: nothing retrains
        let config = try XCTUnwrap(run["config"] as? [String: Any])
        XCTAssertEqual(config["from"] as? String, "blocks.1")
        XCTAssertEqual(config["trained_blocks"] as? [String], ["blocks.2"])
        XCTAssertEqual(config["pooling"] as? String, "class-and-patch-mean")
        XCTAssertEqual(config["layer_scale"] as? Bool, true)
        let epochs = try XCTUnwrap(run["epochs"] as? [[String: Any]])
        XCTAssertEqual(epochs.count, 2)
        XCTAssertTrue(epochs.allSatisfy { ($0["train_loss"] as? Double)?.isFinite == true }, "\(epochs)")
        let top1 = try metric(run, "test_top1"), tests = try XCTUnwrap(config["test_rows"] as? Double)

        let exported = try WeightFile.load(bundle)
        XCTAssertEqual(exported["fc.weight"]?.shape, [10, 768])
        XCTAssertEqual(exported["blocks.2.attn.qkv.weight"]?.shape, [1152, 384])
        XCTAssertNotEqual(exported["blocks.2.ls1.gamma"]?.floats(), try WeightFile.load(weights)["blocks.2.ls1.gamma"]?.floats(), "trained")
        XCTAssertEqual(exported["blocks.0.ls1.gamma"]?.floats(), try WeightFile.load(weights)["blocks.0.ls1.gamma"]?.floats(), "frozen")
        // From the cache (blocks.1 onwards): the numbers the run evaluated; from the raw images: the whole network.
        let fromCache = try thaw.ok(["predict", "--bundle", bundle, "--cache", cache, "--split", "test", "--json"]).json
        XCTAssertEqual(try XCTUnwrap((fromCache["metrics"] as? [String: Any])?["top1"] as? Double), top1, accuracy: 1e-12)
        let fromImages = try thaw.ok(["predict", "--bundle", bundle, "--data", "fashion-mnist", "--limit", "24", "--split", "test", "--json"]).json
        XCTAssertEqual(try XCTUnwrap((fromImages["metrics"] as? [String: Any])?["top1"] as? Double), top1, accuracy: 1 / tests + 1e-9,
                       "predict on the raw test images vs the run's recorded test top-1 (a near tie may flip)")

        // --unfreeze 1 names the same start; --from blocks.2 runs block 2 frozen on the cached blocks.1 tokens.
        let unfrozen = try thaw.ok(["finetune", "--cache", cache, "--weights", weights, "--epochs", "1", "--unfreeze", "1", "--json"]).json
        XCTAssertEqual((unfrozen["config"] as? [String: Any])?["from"] as? String, "blocks.1")
        let above = try thaw.ok(["finetune", "--cache", cache, "--weights", weights, "--epochs", "1", "--from", "blocks.2"]).stdout
        XCTAssertTrue(above.contains("starting from cached blocks.1, running 2 frozen") && above.contains("the head only"), above)
        // Streamed in blocks under a memory budget.
        let streamed = try thaw.ok(["finetune", "--cache", cache, "--weights", weights, "--epochs", "1", "--memory-budget", "400M", "--json"]).json
        XCTAssertEqual((streamed["config"] as? [String: Any])?["order"] as? String, "blocks")
    }

    /// DINOv2 ViT-S/14 with 4 registers and LayerScale in timm's keys (`reg_token`, no class entry in `pos_embed`, a
    /// 16×16 grid), `depth` blocks; every tensor from a SplitMix64 stream seeded by its key.
    static func seededViTS14(depth: Int) -> [SafetensorsWriter.Tensor] {
        let c = 384, mlp = 1536, p = 14
        var specs: [(String, [Int], Float, Float)] = [   // name, shape, scale, offset
            ("cls_token", [1, 1, c], 0.5, 0), ("reg_token", [1, 4, c], 0.5, 0), ("pos_embed", [1, 256, c], 0.5, 0),
            ("patch_embed.proj.weight", [c, 3, p, p], 0.1, 0), ("patch_embed.proj.bias", [c], 0.1, 0),
            ("norm.weight", [c], 0.2, 1), ("norm.bias", [c], 0.1, 0),
        ]
        for n in 0..<depth {
            let b = "blocks.\(n)."
            specs += [
                (b + "norm1.weight", [c], 0.2, 1), (b + "norm1.bias", [c], 0.1, 0),
                (b + "attn.qkv.weight", [3 * c, c], 0.08, 0), (b + "attn.qkv.bias", [3 * c], 0.1, 0),
                (b + "attn.proj.weight", [c, c], 0.08, 0), (b + "attn.proj.bias", [c], 0.1, 0), (b + "ls1.gamma", [c], 0.2, 0.5),
                (b + "norm2.weight", [c], 0.2, 1), (b + "norm2.bias", [c], 0.1, 0),
                (b + "mlp.fc1.weight", [mlp, c], 0.08, 0), (b + "mlp.fc1.bias", [mlp], 0.1, 0),
                (b + "mlp.fc2.weight", [c, mlp], 0.04, 0), (b + "mlp.fc2.bias", [c], 0.1, 0), (b + "ls2.gamma", [c], 0.2, 0.5),
            ]
        }
        return specs.map { name, shape, scale, offset in
            var state: UInt64 = 0xcbf29ce484222325   // FNV-1a of the key seeds each tensor's stream
            for b in name.utf8 { state = (state ^ UInt64(b)) &* 0x100000001b3 }
            let values = (0..<shape.reduce(1, *)).map { _ -> Float in
                state &+= 0x9E3779B97F4A7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
                z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
                return offset + scale * (Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1)
            }
            return SafetensorsWriter.Tensor(name: name, shape: shape, values: values)
        }
    }
}
