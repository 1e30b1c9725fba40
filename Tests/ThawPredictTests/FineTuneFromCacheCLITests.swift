import Foundation
import ThawWeights
import XCTest

/// `thaw finetune` above a cached tap, `--unfreeze N` and `--memory-budget`, end to end through the binary.
/// Data: 20 Fashion-MNIST images per split at 64 px through EfficientNet-Lite0 (f32 maps), the same through a
/// seeded ResNet-18, and 6 BBC News articles per split through all-MiniLM-L6-v2.
///
/// "Same weights" below allows a relative 1e-4 (5e-4 for the seeded ResNet-18): the frozen blocks run in chunks of the training rows while
/// the extractor ran them in batches of the data set, and a GEMM's summation blocking depends on its row count.
final class FineTuneFromCacheCLITests: XCTestCase {
    static var dir = ""
    static var c11: String { dir + "/c11" }
    static var c13: String { dir + "/c13" }
    static var extraction: [ThawBinary.Result?] = []
    var thaw: ThawBinary { get throws { try ThawBinary.find() } }

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "thaw-finetune-from-cache-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let lite = ["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "20", "--image-size", "64",
                    "--dtype", "f32", "--tap", "pool", "--tap", "blocks.11"]
        extraction = [try? ThawBinary.find().run(lite + ["--cache", c11]),
                      try? ThawBinary.find().run(lite + ["--tap", "blocks.13", "--cache", c13])]
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    override func setUpWithError() throws { try ThawBinary.requireFixtures(Self.extraction) }

    /// Every tensor of bundle `a` within a relative `tolerance` of `b`'s (NaN fails); returns the worst.
    func assertSameWeights(_ a: String, _ b: String, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try WeightFile.load(a), y = try WeightFile.load(b)
        XCTAssertEqual(Set(x.tensors.map(\.name)), Set(y.tensors.map(\.name)), file: file, line: line)
        var worst: (Float, String) = (0, "")
        for key in x.tensors.map(\.name).sorted() {
            guard let u = x[key]?.floats(), let v = y[key]?.floats() else { XCTFail("\(key) missing", file: file, line: line); continue }
            XCTAssertEqual(u.count, v.count, key, file: file, line: line)
            let scale = max(v.map { abs($0) }.max() ?? 0, 1e-6)
            let d = zip(u, v).map { abs($0 - $1) / scale }.max() ?? 0
            if !(d <= worst.0) { worst = (d, key) }
        }
        XCTAssertTrue(worst.0 <= tolerance, "worst tensor \(worst.1): relative difference \(worst.0) > \(tolerance)", file: file, line: line)
    }

    /// Runs `args` expecting a clean refusal (status 1 or 64, never a trap) whose stderr holds every fragment.
    func refuses(_ args: [String], _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try thaw.run(args)
        XCTAssertTrue([1, 64].contains(r.status), "thaw \(args.joined(separator: " ")): exit status \(r.status)\n\(r.stderr)", file: file, line: line)
        for f in fragments where !r.stderr.contains(f) {
            XCTFail("thaw \(args.joined(separator: " ")): stderr lacks \"\(f)\":\n\(r.stderr)", file: file, line: line)
        }
    }

    /// The test confusion matrix of a run record (its predictions, counted per true and predicted class).
    func predictions(_ run: [String: Any]) -> [[Int]]? { (run["metrics"] as? [String: Any])?["confusion"] as? [[Int]] }

    func testFromAboveTheCachedMapStartsFromTheCacheAndEqualsACacheOfThatTap() throws {
        let common = ["--from", "blocks.13", "--epochs", "2", "--batch", "8", "--chunk", "8", "--seed", "5"]
        let text = try thaw.ok(["finetune", "--cache", Self.c11] + common + ["--export", Self.dir + "/from11.safetensors"]).stdout
        XCTAssertTrue(text.contains("note: starting from cached blocks.11, running 12–13 frozen (forward only, no gradient), once per sample"), text)
        XCTAssertFalse(text.contains("raw images"), "no raw images re-read: \(text)")
        XCTAssertTrue(text.contains("trained     2 blocks (_blocks.14 … _blocks.15) + head: 1,506,570 parameters"), text)
        XCTAssertTrue(text.contains("maps/s (train)"), text)
        let cached = try thaw.ok(["finetune", "--cache", Self.c13] + common + ["--export", Self.dir + "/from13.safetensors"]).stdout
        XCTAssertFalse(cached.contains("running"), "blocks.13 is cached: nothing runs frozen. \(cached)")
        try assertSameWeights(Self.dir + "/from11.safetensors", Self.dir + "/from13.safetensors")
        let a = try thaw.ok(["finetune", "--cache", Self.c11] + common + ["--json"]).json
        let b = try thaw.ok(["finetune", "--cache", Self.c13] + common + ["--json"]).json
        XCTAssertNotNil(predictions(a))
        XCTAssertEqual(predictions(a), predictions(b), "test predictions")
        XCTAssertEqual((a["config"] as? [String: Any])?["cached_tap"] as? String, "blocks.11")
        XCTAssertEqual((a["config"] as? [String: Any])?["frozen_blocks"] as? String, "12–13")
        // --raw keeps the raw-image path for augmentation.
        let raw = try thaw.ok(["finetune", "--cache", Self.c11, "--from", "blocks.13", "--raw", "--epochs", "1", "--batch", "8", "--chunk", "8"]).stdout
        XCTAssertTrue(raw.contains("training from raw images"), raw)
    }

    func testUnfreezeTrainsTheTopBlocksAndRefusesWhatCannotRun() throws {
        let text = try thaw.ok(["finetune", "--cache", Self.c11, "--unfreeze", "3", "--epochs", "1", "--batch", "8", "--chunk", "8"]).stdout
        XCTAssertTrue(text.contains("note: --unfreeze 3: --from blocks.12 (cached maps)"), text)
        XCTAssertTrue(text.contains("starting from cached blocks.11, running 12 frozen"), text)
        XCTAssertTrue(text.contains("trained     3 blocks (_blocks.13 … _blocks.15) + head"), text)
        try refuses(["finetune", "--cache", Self.c11, "--unfreeze", "17"],
                                 ["--unfreeze 17: efficientnet-lite0 has 16 MBConv blocks", "Fix: pass --unfreeze 1…16"])
        try refuses(["finetune", "--cache", Self.c11, "--unfreeze", "2", "--from", "blocks.11"], ["--unfreeze and --from"])
        // Below every cached map without a data source to re-read: a clear refusal, not a crash.
        let bare = Self.dir + "/c11-no-record"
        try? FileManager.default.removeItem(atPath: bare)
        try FileManager.default.copyItem(atPath: Self.c11, toPath: bare)
        try refuses(["finetune", "--cache", bare, "--unfreeze", "6", "--epochs", "1"], ["no extract run recorded", "--data"])
        // Help text wraps at the terminal's width: compare with whitespace runs collapsed.
        let help = try thaw.ok(["finetune", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for part in ["--unfreeze", "warm-up over the first 10%", "cosine decay to 0", "--memory-budget"] {
            XCTAssertTrue(help.contains(part), "finetune --help lacks \(part)")
        }
    }

    func testMemoryBudgetReadsBlocksDeterministicallyAndRefusesTooSmall() throws {
        let args = ["finetune", "--cache", Self.c11, "--from", "blocks.13", "--epochs", "2", "--batch", "8", "--chunk", "8",
                    "--seed", "2", "--memory-budget", "4G", "--block-size", "8", "--json"]
        let a = try thaw.ok(args).json, b = try thaw.ok(args).json
        let config = try XCTUnwrap(a["config"] as? [String: Any])
        XCTAssertEqual(config["order"] as? String, "blocks")
        XCTAssertEqual(config["block_size"] as? Int, 8)
        XCTAssertEqual(config["streamed"] as? Bool, false, "4G holds these maps")
        XCTAssertNotNil(predictions(a))
        XCTAssertEqual(predictions(a), predictions(b))
        let losses = { (r: [String: Any]) in (r["epochs"] as? [[String: Any]])?.compactMap { $0["train_loss"] as? Double } }
        XCTAssertEqual(losses(a)?.count, 2)
        XCTAssertEqual(losses(a), losses(b), "same seed, same blocks: same losses")
        try refuses(["finetune", "--cache", Self.c11, "--memory-budget", "50M", "--epochs", "1"],
                                 ["--memory-budget 50.0 MB cannot hold one block of 64 blocks.11 maps", "Fix: give --memory-budget"])
    }

    func testResNetFromAboveTheCachedStage() throws {
        let weights = Self.dir + "/resnet18.safetensors"
        try SafetensorsWriter.write(FineTuneCLITests.seededResNet18(classes: 10), to: weights)
        let base = ["extract", "--model", "resnet18", "--weights", weights, "--data", "fashion-mnist", "--limit", "20",
                    "--image-size", "64", "--dtype", "f32", "--tap", "pool", "--tap", "layer2"]
        try thaw.ok(base + ["--cache", Self.dir + "/rn2"])
        try thaw.ok(base + ["--tap", "layer3", "--cache", Self.dir + "/rn3"])
        let common = ["--weights", weights, "--from", "layer3", "--epochs", "1", "--batch", "8", "--chunk", "8", "--seed", "4"]
        let text = try thaw.ok(["finetune", "--cache", Self.dir + "/rn2"] + common + ["--export", Self.dir + "/rn-a.safetensors"]).stdout
        XCTAssertTrue(text.contains("starting from cached layer2, running layer3 frozen"), text)
        XCTAssertTrue(text.contains("trained     2 blocks (layer4.0 … layer4.1) + head"), text)
        try thaw.ok(["finetune", "--cache", Self.dir + "/rn3"] + common + ["--export", Self.dir + "/rn-b.safetensors"])
        // Seeded random weights amplify the frozen stage's rounding more than ImageNet's; layer3 runs in
        // other batch groupings in the two paths (and Winograd's choice depends on the batch): features
        // differ by ~1e-6 relative, the trained weights by < 1.5e-3.
        try assertSameWeights(Self.dir + "/rn-a.safetensors", Self.dir + "/rn-b.safetensors", tolerance: 1.5e-3)
        let unfreeze = try thaw.ok(["finetune", "--cache", Self.dir + "/rn2", "--weights", weights, "--unfreeze", "2", "--epochs", "1"]).stdout
        XCTAssertTrue(unfreeze.contains("--unfreeze 2: --from layer2") && unfreeze.contains("layer3.0 … layer4.1"), unfreeze)
        try refuses(["finetune", "--cache", Self.dir + "/rn2", "--weights", weights, "--unfreeze", "5"], ["4 stages (layer1…layer4)"])
    }

    func testMiniLMFromAboveTheCachedLayer() throws {
        let base = ["extract", "--model", "all-minilm-l6-v2", "--data", "bbc-news", "--limit", "6", "--dtype", "f32", "--tap", "pool", "--tap", "layer.2"]
        try thaw.ok(base + ["--cache", Self.dir + "/bbc2"])
        try thaw.ok(base + ["--tap", "layer.4", "--cache", Self.dir + "/bbc4"])
        let common = ["--data", "bbc-news", "--from", "layer.4", "--epochs", "1", "--batch", "4", "--chunk", "4", "--seed", "6"]
        let text = try thaw.ok(["finetune", "--cache", Self.dir + "/bbc2"] + common + ["--export", Self.dir + "/bbc-a.safetensors"]).stdout
        XCTAssertTrue(text.contains("starting from cached layer.2, running 3–4 frozen"), text)
        try thaw.ok(["finetune", "--cache", Self.dir + "/bbc4"] + common + ["--export", Self.dir + "/bbc-b.safetensors"])
        try assertSameWeights(Self.dir + "/bbc-a.safetensors", Self.dir + "/bbc-b.safetensors")
        let unfreeze = try thaw.ok(["finetune", "--cache", Self.dir + "/bbc2", "--data", "bbc-news", "--unfreeze", "3", "--epochs", "1"]).stdout
        XCTAssertTrue(unfreeze.contains("--unfreeze 3: --from layer.2"), unfreeze)
        try refuses(["finetune", "--cache", Self.dir + "/bbc2", "--data", "bbc-news", "--unfreeze", "6"], ["layer 0 stays frozen"])
    }
}
