import Foundation
import XCTest

/// `thaw extract --max-tokens N` on real BBC News articles with all-MiniLM-L6-v2 (256 tokens at most): the length
/// lands in the manifest and the token tap, and every later command uses it — `thaw finetune` (masks re-tokenized
/// at N), `thaw predict` on the raw test articles reproducing the run's test figures, and `thaw export` of a head on
/// the `layer.4` tap (an ONNX input of exactly N tokens, checked in ONNX Runtime). Out-of-range values are refused.
final class MaxTokensCLITests: XCTestCase {
    static var dir = ""
    static var cache: String { dir + "/bbc64" }
    static var extraction: [ThawBinary.Result?] = []
    var thaw: ThawBinary { get throws { try ThawBinary.find() } }

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "thaw-max-tokens-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        extraction = [try? ThawBinary.find().run(["extract", "--model", "all-minilm-l6-v2", "--data", "bbc-news", "--limit", "6",
                                                  "--max-tokens", "64", "--dtype", "f32", "--cache", cache])]
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    override func setUpWithError() throws { try ThawBinary.requireFixtures(Self.extraction) }

    func testTheLengthIsRecordedAndUsedByFineTunePredictAndExport() throws {
        let manifest = try XCTUnwrap(try thaw.ok(["cache", "info", Self.cache, "--json"]).json["manifest"] as? [String: Any])
        let preprocessing = try XCTUnwrap(manifest["preprocessing"] as? String)
        XCTAssertTrue(preprocessing.contains("\"maxLength\":\"64\""), "the manifest's preprocessing records the length: \(preprocessing)")
        let info = try thaw.ok(["cache", "info", Self.cache]).stdout
        XCTAssertTrue(info.contains("layer.4  f32 64×384 TC"), "layer.4 holds 64 token rows:\n\(info)")

        // Fine-tuning re-tokenizes the articles at 64 for the masks; predict on the raw test articles gives the run's figures
        // (--l2: the export is then a bundle whose classifier reads the normalised pool).
        let bundle = Self.dir + "/ft.safetensors"
        let run = try thaw.ok(["finetune", "--cache", Self.cache, "--from", "layer.4", "--data", "bbc-news", "--l2", "--epochs", "1",
                               "--batch", "4", "--chunk", "4", "--seed", "3", "--export", bundle, "--json"]).json
        let metrics = try XCTUnwrap(run["metrics"] as? [String: Any])
        let top1 = try XCTUnwrap(metrics["test_top1"] as? Double)
        let inspect = try thaw.ok(["bundle", "inspect", bundle]).stdout
        XCTAssertTrue(inspect.contains("\"maxLength\":\"64\""), inspect)
        let p = try thaw.ok(["predict", "--bundle", bundle, "--data", "bbc-news", "--limit", "6", "--split", "test", "--json"]).json
        let pm = try XCTUnwrap(p["metrics"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(pm["top1"] as? Double), top1, accuracy: 1e-12, "predict at 64 tokens vs the run's test top-1")
        XCTAssertEqual(pm["confusion"] as? [[Int]], metrics["confusion"] as? [[Int]])

        // A head on the token tap: its ONNX graph takes exactly 64 tokens, and ONNX Runtime agrees with predict.
        let head = Self.dir + "/head.safetensors", onnx = Self.dir + "/head.onnx"
        try thaw.ok(["fit", "--cache", Self.cache, "--tap", "layer.4", "--pooling", "avg", "--epochs", "3", "--export", head])
        let wrote = try thaw.ok(["export", "--bundle", head, "--onnx", onnx]).stdout
        XCTAssertTrue(wrote.contains("input_ids [N, 64]"), wrote)
        try thaw.assertONNXMatchesPredict(bundle: head, onnx: onnx,
                                          inputs: ["Shares fell after the bank reported a loss", "The striker scored twice in the final"])
    }

    func testOutOfRangeLengthsAndImageModelsAreRefused() throws {
        let help = try thaw.ok(["extract", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(help.contains("--max-tokens"), help)
        XCTAssertTrue(help.contains("default: the model's maximum"), help)
        let base = ["extract", "--data", "bbc-news", "--limit", "2", "--cache", Self.dir + "/refused"]
        for (extra, fragments) in [
            (["--model", "all-minilm-l6-v2", "--max-tokens", "1"], ["--max-tokens 1", "at least 2 tokens"]),
            (["--model", "all-minilm-l6-v2", "--max-tokens", "257"], ["--max-tokens 257 is above all-minilm-l6-v2's maximum of 256", "2…256"]),
            (["--model", "efficientnet-lite0", "--max-tokens", "64"], ["--max-tokens applies to text models"]),
        ] {
            let r = try thaw.run(base + extra)
            XCTAssertTrue([1, 64].contains(r.status), "\(extra): exit status \(r.status)\n\(r.stderr)")
            for f in fragments { XCTAssertTrue(r.stderr.contains(f), "\(extra): stderr lacks \"\(f)\":\n\(r.stderr)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.dir + "/refused/data.mdb"), "a refused extraction writes no cache")
    }
}
