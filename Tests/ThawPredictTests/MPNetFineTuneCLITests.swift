import Foundation
import ThawWeights
import XCTest

/// `thaw finetune` of an MPNet cache end to end through the binary: real BBC News articles (4 per split)
/// through a seeded small MPNet (`SeededMPNet`: 4 layers, the real tokenizer, articles cut at 512 tokens),
/// `layer.1` and `layer.2` cached as f32. The top layer trains with the relative position bias of the
/// frozen shared table; the exported bundle, applied to the test articles' text by `thaw predict`,
/// reproduces the run's test predictions, and exports to ONNX.
final class MPNetFineTuneCLITests: XCTestCase {
    static var dir = ""
    static var model: String { dir + "/seeded-mpnet" }
    static var cache12: String { dir + "/bbc12" }
    static var cache1: String { dir + "/bbc1" }
    static var setupFailure: String?
    var thaw: ThawBinary { get throws { try ThawBinary.find() } }
    static let limit = "4"

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "thaw-mpnet-finetune-\(getpid())"
        do {
            try SeededMPNet.write(to: model)
            let base = ["extract", "--model", "mpnet", "--weights", model, "--data", "bbc-news", "--limit", limit, "--dtype", "f32",
                        "--tap", "pool", "--tap", "layer.1"]
            for (args, cache) in [(base + ["--tap", "layer.2"], cache12), (base, cache1)] {
                let r = try ThawBinary.find().run(args + ["--cache", cache])
                if r.status != 0 { setupFailure = "thaw \(args.joined(separator: " ")) failed: \(r.stderr)" }
            }
        } catch { setupFailure = "\(error)" }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let failure = Self.setupFailure { XCTFail(failure); throw MissingBinary(description: failure) }
    }

    /// The default boundary (the deepest cached layer.K of a generic MPNet), --l2, --export, --misclassified, a
    /// checkpoint and --resume; `thaw predict` of the bundle on the test articles gives the run's test predictions.
    func testExportedBundleReproducesTheRunsTestPredictions() throws {
        let bundle = Self.dir + "/ft/mpnet-topics.safetensors", checkpoint = Self.dir + "/ck"
        try FileManager.default.createDirectory(atPath: Self.dir + "/ft", withIntermediateDirectories: true)
        let args = ["finetune", "--cache", Self.cache12, "--weights", Self.model, "--data", "bbc-news", "--l2", "--epochs", "2",
                    "--batch", "4", "--chunk", "4", "--lr", "3e-3", "--seed", "3", "--checkpoint", checkpoint, "--misclassified", "100"]
        let run = try thaw.ok(args + ["--export", bundle, "--json"]).json
        let config = try XCTUnwrap(run["config"] as? [String: Any])
        XCTAssertEqual(config["from"] as? String, "layer.2")
        XCTAssertEqual(config["trained_blocks"] as? [String], ["encoder.layer.3"])
        XCTAssertEqual(config["relative_position_bias"] as? String, "frozen")
        let metrics = try XCTUnwrap(run["metrics"] as? [String: Any])
        let testTop1 = try XCTUnwrap(metrics["test_top1"] as? Double)
        let mistakes = (metrics["misclassified"] as? [[String: Any]]) ?? []
        // The export keeps MPNet's key names and the table as loaded (frozen).
        let exported = try WeightFile.load(bundle), original = try WeightFile.load(Self.model + "/model.safetensors")
        XCTAssertEqual(exported["encoder.relative_attention_bias.weight"]?.floats(), original["encoder.relative_attention_bias.weight"]?.floats())
        XCTAssertNotEqual(exported["encoder.layer.3.attention.attn.q.weight"]?.floats(), original["encoder.layer.3.attention.attn.q.weight"]?.floats())
        XCTAssertEqual(exported["encoder.layer.2.attention.attn.q.weight"]?.floats(), original["encoder.layer.2.attention.attn.q.weight"]?.floats())

        // thaw predict on the same test articles (re-read and tokenized, the whole encoder run).
        let p = try thaw.ok(["predict", "--bundle", bundle, "--data", "bbc-news", "--split", "test", "--limit", Self.limit, "--json"]).json
        let rows = try XCTUnwrap(p["rows"] as? [[String: Any]])
        let byID = Dictionary(rows.compactMap { r in (r["id"] as? String).map { ($0, r) } }, uniquingKeysWith: { a, _ in a })
        let confusion = try XCTUnwrap(metrics["confusion"] as? [[Int]])
        XCTAssertEqual(rows.count, confusion.joined().reduce(0, +), "predict sees the run's test articles")
        XCTAssertEqual((p["metrics"] as? [String: Any])?["confusion"] as? [[Int]], confusion, "the same test confusion matrix")
        let predictedTop1 = try XCTUnwrap((p["metrics"] as? [String: Any])?["top1"] as? Double)
        XCTAssertEqual(predictedTop1, testTop1, accuracy: 1e-9, "thaw predict's test top-1 is the run's")
        let wrong = Set(rows.filter { ($0["label"] as? String) != ($0["predicted"] as? String) }.compactMap { $0["id"] as? String })
        XCTAssertEqual(wrong, Set(mistakes.compactMap { $0["id"] as? String }), "the same test articles are wrong")
        for m in mistakes {
            let id = try XCTUnwrap(m["id"] as? String), row = try XCTUnwrap(byID[id], "predict has no row \(id)")
            XCTAssertEqual(row["predicted"] as? String, m["predicted_name"] as? String, id)
            XCTAssertEqual(try XCTUnwrap(row["probability"] as? Double), try XCTUnwrap(m["confidence"] as? Double), accuracy: 1e-4, id)
        }

        // --resume after the last epoch: loads the checkpoint and ends with the same weights.
        let resumedBundle = Self.dir + "/ft/resumed.safetensors"
        let resumed = try thaw.ok(args + ["--resume", "--export", resumedBundle]).stdout
        XCTAssertTrue(resumed.contains("resumed after epoch 2"), resumed)
        let a = try WeightFile.load(resumedBundle)
        XCTAssertEqual(a["encoder.layer.3.output.dense.weight"]?.floats(), exported["encoder.layer.3.output.dense.weight"]?.floats())
    }

    /// --from above the cached layer (layer.1 cached, layer 2 runs frozen with the bias) equals a run from cached
    /// layer.2; --unfreeze N picks the layer below the top N; more layers than can train are refused.
    func testFromAboveTheCachedLayerAndUnfreeze() throws {
        let common = ["--weights", Self.model, "--data", "bbc-news", "--from", "layer.2", "--epochs", "1", "--batch", "4", "--chunk", "4", "--seed", "6"]
        let text = try thaw.ok(["finetune", "--cache", Self.cache1] + common + ["--export", Self.dir + "/a.safetensors"]).stdout
        XCTAssertTrue(text.contains("starting from cached layer.1, running 2 frozen"), text)
        XCTAssertTrue(text.contains("1 block (encoder.layer.3) + head"), text)
        try thaw.ok(["finetune", "--cache", Self.cache12] + common + ["--export", Self.dir + "/b.safetensors"])
        let x = try WeightFile.load(Self.dir + "/a.safetensors"), y = try WeightFile.load(Self.dir + "/b.safetensors")
        for key in ["encoder.layer.3.attention.attn.q.weight", "encoder.layer.3.output.LayerNorm.weight", "classifier.weight"] {
            let u = try XCTUnwrap(x[key]?.floats()), v = try XCTUnwrap(y[key]?.floats())
            let scale = max(v.map { abs($0) }.max() ?? 0, 1e-6)
            XCTAssertLessThanOrEqual(zip(u, v).map { abs($0 - $1) / scale }.max() ?? 1, 1e-4, key)
        }
        let unfreeze = try thaw.ok(["finetune", "--cache", Self.cache1, "--weights", Self.model, "--data", "bbc-news", "--unfreeze", "2",
                                    "--epochs", "1"]).stdout
        XCTAssertTrue(unfreeze.contains("--unfreeze 2: --from layer.1") && unfreeze.contains("2 blocks (encoder.layer.2 … encoder.layer.3)"), unfreeze)
        let refused = try thaw.run(["finetune", "--cache", Self.cache1, "--weights", Self.model, "--data", "bbc-news", "--unfreeze", "4"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("layer 0 stays frozen"), refused.stderr)
    }

    /// The fine-tuned bundle as ONNX: ONNX Runtime's probabilities equal `thaw predict`'s on a short sentence and
    /// a long text (past relative distance 128) (scripts/onnx_vs_predict.py). Head bundles: MPNetExportTests.
    func testONNXExportOfTheFineTunedBundleMatchesPredict() throws {
        let folder = Self.dir + "/onnx"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let bundle = folder + "/ft.safetensors", onnx = folder + "/ft.onnx"
        try thaw.ok(["finetune", "--cache", Self.cache12, "--weights", Self.model, "--data", "bbc-news", "--l2", "--epochs", "1",
                     "--batch", "4", "--chunk", "4", "--export", bundle])
        try thaw.ok(["export", "--bundle", bundle, "--onnx", onnx])
        let long = String(repeating: "Shares in the bank fell sharply after it reported a loss and the chief executive resigned. ", count: 9)
        try thaw.assertONNXMatchesPredict(bundle: bundle, onnx: onnx, inputs: ["The striker scored twice in the final", long])
    }
}
