import Foundation
import ThawBLAS
import ThawWeights
import XCTest

/// `thaw finetune` end to end through the binary, beyond the cached EfficientNet boundary (PredictCLITests):
/// the BatchNorm policies (`--bn frozen` keeps the running statistics, `--bn recalibrate` re-estimates them),
/// `--from input` (the whole network from raw images), and a ResNet-18 from the user's own weights file
/// (extract → finetune → export → predict). Data: 20 Fashion-MNIST images per split (train, test).
final class FineTuneCLITests: XCTestCase {
    static var dir = ""
    static var lite0: String { dir + "/fm" }
    static var extraction: ThawBinary.Result?
    var thaw: ThawBinary { get throws { try ThawBinary.find() } }

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "thaw-finetune-cli-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        extraction = try? ThawBinary.find().run(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist",
                                                 "--limit", "20", "--tap", "pool", "--tap", "blocks.11", "--cache", lite0])
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    override func setUpWithError() throws { try ThawBinary.requireFixtures([Self.extraction]) }

    private func metric(_ run: [String: Any], _ key: String, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        try XCTUnwrap((run["metrics"] as? [String: Any])?[key] as? Double, "run record lacks metrics.\(key)", file: file, line: line)
    }

    /// The exported network's BN running statistics against the installed ImageNet weights it started from.
    func testBatchNormFrozenKeepsAndRecalibrateReEstimatesTheRunningStatistics() throws {
        let models = try XCTUnwrap(try thaw.ok(["models", "--json"]).json["models"] as? [[String: Any]])
        let installed = try XCTUnwrap(models.first { $0["name"] as? String == "efficientnet-lite0" }
            .flatMap { ($0["weights"] as? [String: Any])?["installedPath"] as? String }, "EfficientNet-Lite0 weights are not installed")
        let original = try WeightFile.load(installed)
        // Trained above blocks.11: blocks 12–15 and the head's BN (_bn1); blocks.11 and below are not in the network.
        let keys = ["_blocks.12._bn0.running_mean", "_blocks.12._bn1.running_var", "_blocks.15._bn2.running_mean", "_bn1.running_var"]
        var runs: [String: [String: Any]] = [:]
        for policy in ["frozen", "recalibrate"] {
            let bundle = Self.dir + "/bn-\(policy).safetensors"
            let run = try thaw.ok(["finetune", "--cache", Self.lite0, "--from", "blocks.11", "--epochs", "1", "--bn", policy,
                                   "--export", bundle, "--json"]).json
            XCTAssertEqual((run["config"] as? [String: Any])?["bn"] as? String, policy)
            XCTAssertTrue(try metric(run, "test_top1").isFinite)
            runs[policy] = run
            let exported = try WeightFile.load(bundle)
            for key in keys {
                let before = try XCTUnwrap(original[key]?.floats(), "installed weights lack \(key)")
                let after = try XCTUnwrap(exported[key]?.floats(), "the exported network lacks \(key)")
                XCTAssertEqual(after.count, before.count, key)
                XCTAssertTrue(after.allSatisfy(\.isFinite), "\(policy): \(key) is not finite")
                let change = zip(before, after).map { abs($0 - $1) }.max() ?? .nan
                if policy == "frozen" {
                    XCTAssertEqual(change, 0, "--bn frozen changed \(key) by \(change)")
                } else {
                    XCTAssertGreaterThan(change, 1e-4, "--bn recalibrate left \(key) at the ImageNet statistics")
                }
            }
            // BN scale and shift are trained under both policies.
            let gamma = try XCTUnwrap(exported["_blocks.15._bn2.weight"]?.floats()), gamma0 = try XCTUnwrap(original["_blocks.15._bn2.weight"]?.floats())
            XCTAssertNotEqual(gamma, gamma0, "\(policy): γ of _blocks.15._bn2 did not train")
        }
        // Different statistics, different network: the validation losses differ.
        let loss = { (r: [String: Any]?) in ((r?["epochs"] as? [[String: Any]])?.last?["val_loss"] as? Double) }
        XCTAssertNotNil(loss(runs["frozen"]))
        XCTAssertNotEqual(loss(runs["frozen"]), loss(runs["recalibrate"]))
    }

    /// `--from input`: every block trains from the raw images; the exported bundle, run on the same raw test
    /// images by `thaw predict`, scores what the run recorded.
    func testFromInputTrainsTheWholeNetworkFromRawImages() throws {
        let bundle = Self.dir + "/from-input.safetensors"
        let run = try thaw.ok(["finetune", "--cache", Self.lite0, "--from", "input", "--epochs", "1", "--batch", "8", "--chunk", "8",
                               "--export", bundle, "--json"]).json
        let config = try XCTUnwrap(run["config"] as? [String: Any])
        XCTAssertEqual(config["from"] as? String, "input")
        let trained = try XCTUnwrap(config["trained_blocks"] as? [String])
        XCTAssertEqual(trained, ["_conv_stem"] + (0..<16).map { "_blocks.\($0)" }, "the stem and all 16 blocks train")
        XCTAssertEqual(config["export"] as? String, bundle)
        let top1 = try metric(run, "test_top1")
        let d = try XCTUnwrap(try thaw.ok(["bundle", "inspect", bundle, "--json"]).json["bundle"] as? [String: Any])
        XCTAssertEqual(d["kind"] as? String, "finetuned")
        let p = try thaw.ok(["predict", "--bundle", bundle, "--data", "fashion-mnist", "--limit", "20", "--split", "test", "--json"]).json
        // The run evaluated the training graph (BN as its own layer); predict runs the inference graph (BN folded
        // into the convolutions): float rounding may flip at most one of the 20 test images.
        XCTAssertEqual(try XCTUnwrap((p["metrics"] as? [String: Any])?["top1"] as? Double), top1, accuracy: 0.05 + 1e-9,
                       "predict on the raw test images vs the run's recorded test top-1")
        XCTAssertEqual((d["run"] as? String), run["id"] as? String, "the bundle names the run that made it")
    }

    /// The weights a user brings (torchvision key names, here seeded), through extract, finetune, export and predict.
    func testResNet18FromTheUsersOwnWeights() throws {
        let weights = Self.dir + "/resnet18-seeded.safetensors", cache = Self.dir + "/fm-resnet18", bundle = Self.dir + "/resnet18-ft.safetensors"
        try SafetensorsWriter.write(Self.seededResNet18(classes: 10), to: weights)
        let inspect = try thaw.ok(["weights", "inspect", weights, "--json"]).json
        XCTAssertEqual(inspect["tensorCount"] as? Int, 102)

        try thaw.ok(["extract", "--model", "resnet18", "--weights", weights, "--data", "fashion-mnist", "--limit", "20",
                     "--image-size", "64", "--dtype", "f32", "--tap", "layer3", "--tap", "pool", "--cache", cache])
        let info = try thaw.ok(["cache", "info", cache]).stdout
        XCTAssertTrue(info.contains("resnet18") && info.contains("layer3") && info.contains("4×4×256"), info)

        let run = try thaw.ok(["finetune", "--cache", cache, "--from", "layer3", "--weights", weights, "--epochs", "2",
                               "--lr", "0.001", "--export", bundle, "--json"]).json
        let config = try XCTUnwrap(run["config"] as? [String: Any])
        XCTAssertEqual(config["backbone"] as? String, "resnet18")
        XCTAssertEqual(config["trained_blocks"] as? [String], ["layer4.0", "layer4.1"])
        let epochs = try XCTUnwrap(run["epochs"] as? [[String: Any]])
        XCTAssertEqual(epochs.count, 2)
        XCTAssertTrue(epochs.allSatisfy { ($0["train_loss"] as? Double)?.isFinite == true }, "\(epochs)")
        let top1 = try metric(run, "test_top1")

        let exported = try WeightFile.load(bundle)
        XCTAssertEqual(exported["fc.weight"]?.shape, [10, 512])
        XCTAssertEqual(exported["layer4.0.conv1.weight"]?.shape, [512, 256, 3, 3])
        let p = try thaw.ok(["predict", "--bundle", bundle, "--cache", cache, "--split", "test", "--json"]).json
        XCTAssertEqual(try XCTUnwrap((p["metrics"] as? [String: Any])?["top1"] as? Double), top1, accuracy: 1e-12)
        // The weights file must be the one the cache was extracted with.
        let other = Self.dir + "/resnet18-other.safetensors"
        try SafetensorsWriter.write(Self.seededResNet18(classes: 10, salt: 1), to: other)
        let wrong = try thaw.run(["finetune", "--cache", cache, "--from", "layer3", "--weights", other, "--epochs", "1"])
        XCTAssertNotEqual(wrong.status, 0, "finetune accepted weights the cache was not extracted with")
        XCTAssertTrue(wrong.stderr.contains("--weights") || wrong.stderr.contains("sha256") || wrong.stderr.contains("SHA-256"), wrong.stderr)
    }

    /// The manifest records Winograd convolutions; a cache started with im2col (`--no-winograd`) is
    /// resumed with im2col whatever the flags; shards of the two kinds are not merged.
    func testConvolutionAlgorithmIsRecordedFollowedOnResumeAndCheckedOnMerge() throws {
        let weights = Self.dir + "/resnet18-conv.safetensors"
        try SafetensorsWriter.write(Self.seededResNet18(classes: 10), to: weights)
        let common = ["extract", "--model", "resnet18", "--weights", weights, "--data", "fashion-mnist", "--limit", "8",
                      "--image-size", "64", "--tap", "pool"]
        func convolution(_ cache: String) throws -> String? {
            let manifest = try thaw.ok(["cache", "info", cache, "--json"]).json["manifest"] as? [String: Any]
            return try XCTUnwrap(manifest)["convolution"] as? String
        }
        let fast = Self.dir + "/conv-fast", plain = Self.dir + "/conv-plain"
        try thaw.ok(common + ["--cache", fast])
        try thaw.ok(common + ["--cache", plain, "--no-winograd"])
        XCTAssertEqual(try convolution(fast), CPUFeatures.current.hasAVX2FMA ? "winograd-f43" : nil)
        XCTAssertNil(try convolution(plain))
        let resumed = try thaw.ok(common + ["--cache", plain])
        if CPUFeatures.current.hasAVX2FMA {
            XCTAssertTrue(resumed.stderr.contains("started with im2col convolutions: continuing with them"), resumed.stderr)
        }
        XCTAssertNil(try convolution(plain))

        guard CPUFeatures.current.hasAVX2FMA else { return }
        let a = Self.dir + "/conv-s0", b = Self.dir + "/conv-s1"
        try thaw.ok(common + ["--cache", a, "--shard", "0/2"])
        try thaw.ok(common + ["--cache", b, "--shard", "1/2", "--no-winograd"])
        let merge = try thaw.run(["cache", "merge", a, b, "-o", Self.dir + "/conv-merged"])
        XCTAssertNotEqual(merge.status, 0, "shards of two convolution algorithms were merged")
        XCTAssertTrue(merge.stderr.contains("convolution"), merge.stderr)
    }

    /// torchvision ResNet-18 state-dict keys and shapes (BasicBlock; `num_batches_tracked` left out) with
    /// SplitMix-style seeded values: conv/linear Kaiming-uniform, BN γ and running variance in [0.5, 1.5),
    /// β, running mean and biases in ±0.1.
    static func seededResNet18(classes: Int, salt: UInt64 = 0) -> [SafetensorsWriter.Tensor] {
        var shapes: [(String, [Int])] = []
        func bn(_ p: String, _ c: Int) { for s in ["weight", "bias", "running_mean", "running_var"] { shapes.append(("\(p).\(s)", [c])) } }
        shapes.append(("conv1.weight", [64, 3, 7, 7])); bn("bn1", 64)
        var inC = 64
        for (stage, width) in [64, 128, 256, 512].enumerated() {
            for b in 0..<2 {
                let p = "layer\(stage + 1).\(b)", cin = b == 0 ? inC : width
                shapes.append(("\(p).conv1.weight", [width, cin, 3, 3])); bn("\(p).bn1", width)
                shapes.append(("\(p).conv2.weight", [width, width, 3, 3])); bn("\(p).bn2", width)
                if b == 0 && stage > 0 { shapes.append(("\(p).downsample.0.weight", [width, cin, 1, 1])); bn("\(p).downsample.1", width) }
            }
            inC = width
        }
        shapes.append(("fc.weight", [classes, 512])); shapes.append(("fc.bias", [classes]))
        return shapes.map { name, shape in
            var state: UInt64 = 0xcbf29ce484222325 ^ salt   // FNV-1a of the key seeds each tensor's stream
            for b in name.utf8 { state = (state ^ UInt64(b)) &* 0x100000001b3 }
            func next() -> Float {   // SplitMix64 → uniform [0, 1)
                state &+= 0x9E3779B97F4A7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
                z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
                return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24)
            }
            let lo: Float, span: Float
            if shape.count >= 2 {
                let bound = (6 / Float(shape.dropFirst().reduce(1, *))).squareRoot()
                (lo, span) = (-bound, 2 * bound)
            } else if name.hasSuffix("running_var") || (name.hasSuffix(".weight") && !name.hasPrefix("fc")) {
                (lo, span) = (0.5, 1)
            } else {
                (lo, span) = (-0.1, 0.2)
            }
            return SafetensorsWriter.Tensor(name: name, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in lo + span * next() })
        }
    }
}
