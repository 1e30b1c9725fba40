import Foundation
import ThawWeights
import XCTest

/// ConvNeXt fine-tuning end to end through the binary: a small seeded ConvNeXt in timm's key layout (widths
/// 8-16-24-32, depths 1-1-2-1, a 10-class `head.fc`) read by the generic `convnext` model, 20 Fashion-MNIST images
/// per split at 64 px → `thaw extract` (stages.1, stages.2, pool) → `thaw finetune` (stage 3 from the cached
/// stages.2 maps, or stages 2–3 from stages.1) → `--export` → `thaw predict` of the bundle on the raw test images
/// and on the cache agrees with the run record; checkpoints resume; `--from` above a cached tap runs the stage in
/// between frozen and trains the same weights; `--unfreeze` counts stages; `--memory-budget` reads blocks.
final class ConvNeXtFineTuneCLITests: XCTestCase {
    static var dir = ""
    static var weights: String { dir + "/convnext-seeded.safetensors" }
    static var cache: String { dir + "/fm-convnext" }
    static var cache2: String { dir + "/fm-convnext-s2" }
    static var extraction: [ThawBinary.Result?] = []
    var thaw: ThawBinary { get throws { try ThawBinary.find() } }

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "thaw-convnext-finetune-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? SafetensorsWriter.write(seededConvNeXt(classes: 10), to: weights)
        let base = ["extract", "--model", "convnext", "--weights", weights, "--data", "fashion-mnist", "--limit", "20",
                    "--image-size", "64", "--dtype", "f32", "--tap", "pool"]
        extraction = [try? ThawBinary.find().run(base + ["--tap", "stages.1", "--tap", "stages.2", "--cache", cache]),
                      try? ThawBinary.find().run(base + ["--tap", "stages.2", "--cache", cache2])]
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    override func setUpWithError() throws { try ThawBinary.requireFixtures(Self.extraction) }

    func metric(_ run: [String: Any], _ key: String) throws -> Double {
        try XCTUnwrap((run["metrics"] as? [String: Any])?[key] as? Double, "metrics.\(key)")
    }

    func testFineTunesStageThreeFromCachedMapsAndPredictAgrees() throws {
        let info = try thaw.ok(["cache", "info", Self.cache]).stdout
        XCTAssertTrue(info.contains("convnext") && info.contains("stages.2") && info.contains("4×4×24"), info)
        let bundle = Self.dir + "/convnext-ft.safetensors", checkpoint = Self.dir + "/ckpt"
        let args = ["finetune", "--cache", Self.cache, "--weights", Self.weights, "--epochs", "2", "--batch", "8", "--chunk", "8",
                    "--lr", "0.003", "--seed", "3", "--checkpoint", checkpoint, "--export", bundle, "--json"]
        let run = try thaw.ok(args).json
        let config = try XCTUnwrap(run["config"] as? [String: Any])
        XCTAssertEqual(config["from"] as? String, "stages.2", "the registry's boundary")
        XCTAssertEqual(config["backbone"] as? String, "convnext")
        XCTAssertEqual(config["trained_blocks"] as? [String], ["stages.3.downsample.0", "stages.3.blocks.0"])
        // downsample 2·24 + 32·24·4 + 32, block 32·49 + 32 + 2·32 + 2·(128·32) + 128 + 32 + 32, head norm 2·32, fc 10·32 + 10.
        XCTAssertEqual(config["trainable_parameters"] as? Int, 3_152 + 10_048 + 64 + 330)
        let epochs = try XCTUnwrap(run["epochs"] as? [[String: Any]])
        XCTAssertEqual(epochs.count, 2)
        XCTAssertTrue(epochs.allSatisfy { ($0["train_loss"] as? Double)?.isFinite == true }, "\(epochs)")
        let top1 = try metric(run, "test_top1")

        let exported = try WeightFile.load(bundle)
        XCTAssertEqual(exported["head.fc.weight"]?.shape, [10, 32])
        XCTAssertEqual(exported["stages.3.blocks.0.gamma"]?.shape, [32])
        XCTAssertEqual(exported["stem.0.weight"]?.floats(), try WeightFile.load(Self.weights)["stem.0.weight"]?.floats(), "frozen: copied")
        XCTAssertNotEqual(exported["stages.3.blocks.0.mlp.fc1.weight"]?.floats(),
                          try WeightFile.load(Self.weights)["stages.3.blocks.0.mlp.fc1.weight"]?.floats(), "trained")
        // The run evaluated the trained graph (γ apart); predict runs the frozen backbone (γ folded into fc2).
        let fromImages = try thaw.ok(["predict", "--bundle", bundle, "--data", "fashion-mnist", "--limit", "20", "--split", "test", "--json"]).json
        XCTAssertEqual(try metric(fromImages, "top1"), top1, accuracy: 0.05 + 1e-9, "predict on the raw test images vs the run's test top-1")
        let fromCache = try thaw.ok(["predict", "--bundle", bundle, "--cache", Self.cache, "--split", "test", "--json"]).json
        XCTAssertEqual(try metric(fromCache, "top1"), top1, accuracy: 0.05 + 1e-9, "predict from the cached stages.2 maps")
        // `thaw export` writes the fine-tuned network as ONNX (ONNX Runtime's agreement: ThawONNXTests.ConvNeXtExportTests).
        let onnx = Self.dir + "/convnext-ft.onnx"
        try thaw.ok(["export", "--bundle", bundle, "--onnx", onnx])
        XCTAssertGreaterThan((try FileManager.default.attributesOfItem(atPath: onnx)[.size] as? Int) ?? 0, 50_000)

        // A finished run resumed: nothing left to train, the same record.
        let resumed = try thaw.ok(args.filter { $0 != "--json" } + ["--resume"]).stdout
        XCTAssertTrue(resumed.contains("resumed after epoch 2"), resumed)
        XCTAssertTrue(resumed.contains(String(format: "%.2f%%", 100 * top1)), "same test top-1 \(top1): \(resumed)")
    }

    func testFromAboveTheCachedStageTrainsTheSameWeights() throws {
        let common = ["--weights", Self.weights, "--from", "stages.2", "--epochs", "1", "--batch", "8", "--chunk", "8", "--seed", "4"]
        // From a cache of stages.1 only, stage 2 runs frozen on the cached maps; cache2 holds stages.2 itself.
        let s1 = Self.dir + "/fm-convnext-s1"
        try thaw.ok(["extract", "--model", "convnext", "--weights", Self.weights, "--data", "fashion-mnist", "--limit", "20",
                     "--image-size", "64", "--dtype", "f32", "--tap", "pool", "--tap", "stages.1", "--cache", s1])
        let text = try thaw.ok(["finetune", "--cache", s1] + common + ["--export", Self.dir + "/a.safetensors"]).stdout
        XCTAssertTrue(text.contains("starting from cached stages.1, running stages.2 frozen"), text)
        XCTAssertTrue(text.contains("trained     2 blocks (stages.3.downsample.0 … stages.3.blocks.0) + head"), text)
        try thaw.ok(["finetune", "--cache", Self.cache2] + common + ["--export", Self.dir + "/b.safetensors"])
        let a = try WeightFile.load(Self.dir + "/a.safetensors"), b = try WeightFile.load(Self.dir + "/b.safetensors")
        XCTAssertEqual(Set(a.tensors.map(\.name)), Set(b.tensors.map(\.name)))
        for t in a.tensors {
            let u = t.floats(), v = try XCTUnwrap(b[t.name]).floats()
            let scale = max(v.map { abs($0) }.max() ?? 0, 1e-6)
            let d = zip(u, v).map { abs($0 - $1) / scale }.max() ?? 0
            XCTAssertLessThanOrEqual(d, 1e-4, t.name)
        }
        // --unfreeze 2: stages 2 and 3 train from the cached stages.1 maps.
        let unfreeze = try thaw.ok(["finetune", "--cache", Self.cache, "--weights", Self.weights, "--unfreeze", "2", "--epochs", "1",
                                    "--batch", "8", "--chunk", "8"]).stdout
        XCTAssertTrue(unfreeze.contains("--unfreeze 2: --from stages.1 (cached maps)"), unfreeze)
        XCTAssertTrue(unfreeze.contains("5 blocks (stages.2.downsample.0 … stages.3.blocks.0) + head"), unfreeze)
        let refused = try thaw.run(["finetune", "--cache", Self.cache, "--weights", Self.weights, "--unfreeze", "5"])
        XCTAssertTrue([1, 64].contains(refused.status) && refused.stderr.contains("4 stages (stages.0…stages.3)"), refused.stderr)
    }

    func testMemoryBudgetReadsBlocksDeterministically() throws {
        let args = ["finetune", "--cache", Self.cache, "--weights", Self.weights, "--epochs", "2", "--batch", "8", "--chunk", "4",
                    "--seed", "2", "--memory-budget", "4G", "--block-size", "8", "--json"]
        let a = try thaw.ok(args).json, b = try thaw.ok(args).json
        let config = try XCTUnwrap(a["config"] as? [String: Any])
        XCTAssertEqual(config["order"] as? String, "blocks")
        let losses = { (r: [String: Any]) in (r["epochs"] as? [[String: Any]])?.compactMap { $0["train_loss"] as? Double } }
        XCTAssertEqual(losses(a)?.count, 2)
        XCTAssertEqual(losses(a), losses(b), "same seed, same blocks: same losses")
    }

    /// timm ConvNeXt keys (stem.0/1, stages.i.downsample.0/1, stages.i.blocks.j.{conv_dw, norm, mlp.fc1, mlp.fc2, gamma},
    /// head.norm, head.fc) with SplitMix-style values seeded by each key: conv/linear Kaiming-uniform, norm weights in
    /// [0.8, 1.2), layer scales in [0.3, 0.7), biases ±0.1.
    static func seededConvNeXt(classes: Int, dims: [Int] = [8, 16, 24, 32], depths: [Int] = [1, 1, 2, 1]) -> [SafetensorsWriter.Tensor] {
        var shapes: [(String, [Int])] = []
        func pair(_ p: String, _ w: [Int]) { shapes.append((p + ".weight", w)); shapes.append((p + ".bias", [w[0]])) }
        pair("stem.0", [dims[0], 3, 4, 4]); pair("stem.1", [dims[0]])
        for (i, c) in dims.enumerated() {
            if i > 0 { pair("stages.\(i).downsample.0", [dims[i - 1]]); pair("stages.\(i).downsample.1", [c, dims[i - 1], 2, 2]) }
            for j in 0..<depths[i] {
                let p = "stages.\(i).blocks.\(j)."
                pair(p + "conv_dw", [c, 1, 7, 7]); pair(p + "norm", [c])
                pair(p + "mlp.fc1", [4 * c, c]); pair(p + "mlp.fc2", [c, 4 * c])
                shapes.append((p + "gamma", [c]))
            }
        }
        pair("head.norm", [dims[3]]); pair("head.fc", [classes, dims[3]])
        return shapes.map { name, shape in
            var state: UInt64 = 0xcbf29ce484222325   // FNV-1a of the key seeds each tensor's stream
            for b in name.utf8 { state = (state ^ UInt64(b)) &* 0x100000001b3 }
            func next() -> Float {
                state &+= 0x9E3779B97F4A7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
                z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
                return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24)
            }
            let lo: Float, span: Float
            let isNorm = name.hasPrefix("stem.1") || name.contains("downsample.0") || name.contains(".norm.") || name.hasPrefix("head.norm")
            if shape.count >= 2 {
                let bound = (6 / Float(shape.dropFirst().reduce(1, *))).squareRoot()
                (lo, span) = (-bound, 2 * bound)
            } else if name.hasSuffix("gamma") {
                (lo, span) = (0.3, 0.4)
            } else if isNorm && name.hasSuffix(".weight") {
                (lo, span) = (0.8, 0.4)
            } else {
                (lo, span) = (-0.1, 0.2)
            }
            let values = (0..<shape.reduce(1, *)).map { _ in lo + span * next() }
            return SafetensorsWriter.Tensor(name: name, shape: shape, values: values)
        }
    }
}
