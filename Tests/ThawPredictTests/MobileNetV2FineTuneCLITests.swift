import Foundation
import ThawWeights
import XCTest

/// `thaw finetune` on MobileNetV2 caches (torchvision's real ImageNet weights) end to end through the binary:
/// the registry's default boundary (`features.14`: features 15–17 + features.18 train), export and predict from
/// the bundle equal to the run's recorded test figures, a start above the cached tap through frozen blocks equal
/// to a cache of that tap, `--unfreeze`, `--memory-budget` blocks, checkpoints and `--resume`, and refusals.
/// Data: 20 real Fashion-MNIST images per split at 64 px (features.14 is 2×2×160 there), f32 maps.
final class MobileNetV2FineTuneCLITests: XCTestCase {
    static var dir = ""
    static var c14: String { dir + "/c14" }
    static var c12: String { dir + "/c12" }
    static var extraction: [ThawBinary.Result?] = []
    var thaw: ThawBinary { get throws { try ThawBinary.find() } }

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "thaw-mobilenet-v2-finetune-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let base = ["extract", "--model", "mobilenet-v2", "--data", "fashion-mnist", "--limit", "20", "--image-size", "64", "--dtype", "f32"]
        extraction = [try? ThawBinary.find().run(base + ["--cache", c14]),       // default taps: features.14 + pool
                      try? ThawBinary.find().run(base + ["--tap", "pool", "--tap", "features.12", "--cache", c12])]
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    override func setUpWithError() throws { try ThawBinary.requireFixtures(Self.extraction) }

    func metrics(_ run: [String: Any]) -> [String: Any] { run["metrics"] as? [String: Any] ?? [:] }
    func config(_ run: [String: Any]) -> [String: Any] { run["config"] as? [String: Any] ?? [:] }

    func testDefaultBoundaryExportAndPredictReproduceTheRun() throws {
        let bundle = Self.dir + "/mnv2-ft.safetensors"
        let text = try thaw.ok(["finetune", "--cache", Self.c14, "--epochs", "2", "--batch", "8", "--seed", "3", "--export", bundle]).stdout
        XCTAssertTrue(text.contains("note: --from features.14 (cached maps), chosen by the registry for mobilenet-v2"), text)
        XCTAssertTrue(text.contains("trained     3 blocks (features.15 … features.17) + head"), text)
        XCTAssertTrue(text.contains("thaw classify --model mobilenet-v2 --weights \(bundle)"), text)
        let run = try thaw.ok(["finetune", "--cache", Self.c14, "--epochs", "2", "--batch", "8", "--seed", "3", "--export", bundle,
                               "--json"]).json
        XCTAssertEqual(config(run)["trained_blocks"] as? [String], ["features.15", "features.16", "features.17"])
        XCTAssertEqual(try XCTUnwrap(config(run)["bn_momentum"] as? Double), 0.1, accuracy: 1e-7, "torchvision's BatchNorm momentum")
        let top1 = try XCTUnwrap(metrics(run)["test_top1"] as? Double)
        let confusion = try XCTUnwrap(metrics(run)["confusion"] as? [[Int]], "the run's test confusion matrix")

        // The export is torchvision's checkpoint with the trained tensors and a 10-class classifier.1.
        let exported = try WeightFile.load(bundle)
        XCTAssertEqual(exported["classifier.1.weight"]?.shape, [10, 1280])
        XCTAssertEqual(exported["features.17.conv.0.0.weight"]?.shape, [960, 160, 1, 1])
        XCTAssertEqual(exported["features.18.0.weight"]?.shape, [1280, 320, 1, 1])
        XCTAssertNil(exported["fc.weight"], "MobileNetV2's classifier is exported under classifier.1")

        // predict from the cached maps and from the raw test images: the run's predictions and top-1.
        let p = try thaw.ok(["predict", "--bundle", bundle, "--cache", Self.c14, "--split", "test", "--json"]).json
        XCTAssertEqual(metrics(p)["confusion"] as? [[Int]], confusion, "predict --cache: the run's test predictions, class by class")
        XCTAssertEqual(try XCTUnwrap(metrics(p)["top1"] as? Double), top1, accuracy: 1e-12)
        let raw = try thaw.ok(["predict", "--bundle", bundle, "--data", "fashion-mnist", "--limit", "20", "--split", "test",
                               "--json"]).json
        XCTAssertEqual(try XCTUnwrap(metrics(raw)["top1"] as? Double), top1, accuracy: 1e-12,
                       "predict on the raw test images vs the run's recorded test top-1")
        XCTAssertEqual(metrics(raw)["confusion"] as? [[Int]], confusion)
    }

    func testAboveTheCachedTapUnfreezeAndMemoryBudget() throws {
        let common = ["--from", "features.14", "--epochs", "2", "--batch", "8", "--chunk", "8", "--seed", "5"]
        let text = try thaw.ok(["finetune", "--cache", Self.c12] + common + ["--export", Self.dir + "/from12.safetensors"]).stdout
        XCTAssertTrue(text.contains("note: starting from cached features.12, running features.13–features.14 frozen"), text)
        try thaw.ok(["finetune", "--cache", Self.c14] + common + ["--export", Self.dir + "/from14.safetensors"])
        try assertSameWeights(Self.dir + "/from12.safetensors", Self.dir + "/from14.safetensors")

        let unfrozen = try thaw.ok(["finetune", "--cache", Self.c12, "--unfreeze", "4", "--epochs", "1", "--batch", "8"]).stdout
        XCTAssertTrue(unfrozen.contains("note: --unfreeze 4: --from features.13 (cached maps)"), unfrozen)
        XCTAssertTrue(unfrozen.contains("trained     4 blocks (features.14 … features.17) + head"), unfrozen)

        let budget = ["finetune", "--cache", Self.c14, "--epochs", "2", "--batch", "8", "--seed", "2", "--memory-budget", "4G",
                      "--block-size", "8", "--json"]
        let a = try thaw.ok(budget).json, b = try thaw.ok(budget).json
        XCTAssertEqual(config(a)["order"] as? String, "blocks")
        XCTAssertNotNil(metrics(a)["confusion"])
        XCTAssertEqual(metrics(a)["confusion"] as? [[Int]], metrics(b)["confusion"] as? [[Int]])
        let losses = { (r: [String: Any]) in (r["epochs"] as? [[String: Any]])?.compactMap { $0["train_loss"] as? Double } }
        XCTAssertEqual(losses(a)?.count, 2)
        XCTAssertEqual(losses(a), losses(b), "same seed, same blocks: same losses")
    }

    func testCheckpointResumeAndRefusals() throws {
        let ck = Self.dir + "/ck"
        let args = ["finetune", "--cache", Self.c14, "--epochs", "2", "--batch", "8", "--seed", "7", "--checkpoint", ck]
        let first = try thaw.ok(args + ["--json"]).json
        let resumed = try thaw.ok(args + ["--resume"]).stdout
        XCTAssertTrue(resumed.contains("resumed after epoch 2 from \(ck)"), resumed)
        let again = try thaw.ok(args + ["--resume", "--json"]).json
        XCTAssertNotNil(metrics(first)["confusion"])
        XCTAssertEqual(metrics(first)["confusion"] as? [[Int]], metrics(again)["confusion"] as? [[Int]])
        XCTAssertEqual(metrics(first)["val_loss"] as? Double, metrics(again)["val_loss"] as? Double, "the checkpoint restores every tensor")

        for (extra, fragments) in [
            (["--unfreeze", "18"], ["--unfreeze 18: mobilenet-v2 has 17 inverted-residual blocks", "Fix: pass --unfreeze 1…17"]),
            (["--from", "features.18"], ["--from features.18", "features.K (K = 0…17)"]),
            (["--from", "input"], ["--from input", "features.K (K = 0…17)"]),
        ] {
            let r = try thaw.run(["finetune", "--cache", Self.c14, "--epochs", "1"] + extra)
            XCTAssertTrue([1, 64].contains(r.status), "\(extra): exit status \(r.status)\n\(r.stderr)")
            for f in fragments { XCTAssertTrue(r.stderr.contains(f), "\(extra): stderr lacks \"\(f)\":\n\(r.stderr)") }
        }
    }

    /// From raw images (`--raw` at the cached boundary, and `--from features.11` below every cached map): the stem and
    /// the frozen features run on each augmented chunk; one epoch, export, then predict on the raw test images
    /// reproduces the run's recorded test figures.
    func testRawImagesWithRawAndBelowTheCachedMaps() throws {
        let bundle = Self.dir + "/mnv2-raw.safetensors"
        let common = ["--epochs", "1", "--batch", "8", "--chunk", "8", "--seed", "4"]
        let text = try thaw.ok(["finetune", "--cache", Self.c14, "--raw"] + common + ["--export", bundle]).stdout
        XCTAssertTrue(text.contains("training from raw images re-read from fashion-mnist"), text)
        XCTAssertTrue(text.contains("images/s (train, decode + augmentation included)"), text)
        let run = try thaw.ok(["finetune", "--cache", Self.c14, "--raw"] + common + ["--export", bundle, "--json"]).json
        XCTAssertEqual(config(run)["inputs"] as? String, "raw")
        XCTAssertEqual(config(run)["trained_blocks"] as? [String], ["features.15", "features.16", "features.17"])
        XCTAssertEqual(try XCTUnwrap(config(run)["bn_momentum"] as? Double), 0.1, accuracy: 1e-7, "torchvision's BatchNorm momentum")
        let top1 = try XCTUnwrap(metrics(run)["test_top1"] as? Double)
        let exported = try WeightFile.load(bundle)
        XCTAssertEqual(exported["classifier.1.weight"]?.shape, [10, 1280], "the classifier under torchvision's key")
        let p = try thaw.ok(["predict", "--bundle", bundle, "--data", "fashion-mnist", "--limit", "20", "--split", "test", "--json"]).json
        XCTAssertEqual(try XCTUnwrap(metrics(p)["top1"] as? Double), top1, accuracy: 1e-12,
                       "predict on the raw test images vs the raw run's recorded test top-1")
        XCTAssertEqual(metrics(p)["confusion"] as? [[Int]], metrics(run)["confusion"] as? [[Int]])

        let below = try thaw.ok(["finetune", "--cache", Self.c14, "--from", "features.11"] + common + ["--json"]).json
        XCTAssertEqual(config(below)["inputs"] as? String, "raw")
        XCTAssertEqual(config(below)["trained_blocks"] as? [String], (12...17).map { "features.\($0)" })
        XCTAssertTrue((below["epochs"] as? [[String: Any]])?.first?["train_loss"].map { ($0 as? Double)?.isFinite == true } == true)
    }

    /// Every tensor of `a` within a relative 1e-4 of `b`'s (the frozen blocks ran in other row groupings).
    func assertSameWeights(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try WeightFile.load(a), y = try WeightFile.load(b)
        XCTAssertEqual(Set(x.tensors.map(\.name)), Set(y.tensors.map(\.name)), file: file, line: line)
        var worst: (Float, String) = (0, "")
        for key in x.tensors.map(\.name) {
            guard let u = x[key]?.floats(), let v = y[key]?.floats() else { continue }
            let scale = max(v.map { abs($0) }.max() ?? 0, 1e-6)
            let d = zip(u, v).map { abs($0 - $1) / scale }.max() ?? 0
            if !(d <= worst.0) { worst = (d, key) }
        }
        XCTAssertTrue(worst.0 <= 1e-4, "worst tensor \(worst.1): relative difference \(worst.0)", file: file, line: line)
    }
}
