import Foundation
import XCTest

/// `thaw fit/sweep/finetune --export`, `thaw predict` and `thaw bundle inspect` end to end through the
/// built binary on real data: 40 + 40 Fashion-MNIST images through EfficientNet-Lite0 (ImageNet weights),
/// 10 + 10 BBC News articles per split through all-MiniLM-L6-v2. Every bundle must reproduce, sample by
/// sample, the test predictions its run recorded; raw inputs must give the cache's probabilities.
final class PredictCLITests: XCTestCase {
    static var caches = FixtureCaches()
    static var dir: String { caches.dir }
    static var images: String { caches.images }
    static var texts: String { caches.texts }
    var thaw: ThawBinary { try! ThawBinary.find() }

    override class func setUp() {
        super.setUp()
        caches = FixtureCaches.extract("predict", imagesPerSplit: 40, textsPerSplit: 10)
    }

    override class func tearDown() {
        caches.remove()
        super.tearDown()
    }

    override func setUpWithError() throws { try Self.caches.require() }

    /// `predict --cache C --split test --json` predictions, in sample order, as class indices.
    private func predictedIndices(_ bundle: String, cache: String) throws -> (indices: [Int], json: [String: Any]) {
        let r = try thaw.ok(["predict", "--bundle", bundle, "--cache", cache, "--split", "test", "--json"])
        let json = r.json
        let classes = try XCTUnwrap(json["classes"] as? [String])
        let rows = try XCTUnwrap(json["rows"] as? [[String: Any]])
        return (rows.map { classes.firstIndex(of: $0["predicted"] as! String)! }, json)
    }

    private func recordedPredictions(_ runJSON: [String: Any]) throws -> [Int] {
        let metrics = try XCTUnwrap(runJSON["metrics"] as? [String: Any])
        return try XCTUnwrap(metrics["test_predictions"] as? [Double]).map { Int($0) }
    }

    private func assertBundleReproducesItsRun(_ args: [String], bundle: String, cache: String,
                                              file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try thaw.ok(args + ["--json"], file: file, line: line).json
        let recorded = try recordedPredictions(run)
        let (predicted, json) = try predictedIndices(bundle, cache: cache)
        XCTAssertFalse(recorded.isEmpty, "the run recorded no test predictions", file: file, line: line)
        XCTAssertEqual(predicted, recorded, "\(args.joined(separator: " ")): predict --cache disagrees with the run's recorded test predictions",
                       file: file, line: line)
        let top1 = try XCTUnwrap((json["metrics"] as? [String: Any])?["top1"] as? Double)
        let runTop1 = try XCTUnwrap((run["metrics"] as? [String: Any])?["test_top1"] as? Double)
        XCTAssertEqual(top1, runTop1, accuracy: 1e-12, file: file, line: line)
    }

    func testEveryKindOfHeadBundleReproducesItsRunSampleBySample() throws {
        let c = Self.images
        try assertBundleReproducesItsRun(["fit", "--cache", c, "--tap", "pool", "--export", Self.dir + "/linear.safetensors"],
                                         bundle: Self.dir + "/linear.safetensors", cache: c)
        try assertBundleReproducesItsRun(["fit", "--cache", c, "--tap", "pool", "--optimizer", "lbfgs", "--export", Self.dir + "/lbfgs.safetensors"],
                                         bundle: Self.dir + "/lbfgs.safetensors", cache: c)
        try assertBundleReproducesItsRun(["fit", "--cache", c, "--tap", "blocks.11", "--pooling", "gem", "--head", "mlp:32", "--epochs", "3",
                                          "--export", Self.dir + "/gem.safetensors"], bundle: Self.dir + "/gem.safetensors", cache: c)
        try assertBundleReproducesItsRun(["fit", "--cache", c, "--tap", "blocks.11", "--pooling", "avgmax", "--head", "mlp:16,8", "--epochs", "2",
                                          "--export", Self.dir + "/avgmax.safetensors"], bundle: Self.dir + "/avgmax.safetensors", cache: c)
        try assertBundleReproducesItsRun(["sweep", "--cache", c, "--tap", "pool", "--lr", "1e-2,3e-3", "--weight-decay", "0,1e-4", "--epochs", "3",
                                          "--export-best", Self.dir + "/best.safetensors"], bundle: Self.dir + "/best.safetensors", cache: c)
        try assertBundleReproducesItsRun(["sweep", "--cache", c, "--tap", "pool", "--c", "0.1,1,10",
                                          "--export-best", Self.dir + "/best-lbfgs.safetensors"], bundle: Self.dir + "/best-lbfgs.safetensors", cache: c)
        try assertBundleReproducesItsRun(["fit", "--cache", Self.texts, "--tap", "pool", "--export", Self.dir + "/text.safetensors"],
                                         bundle: Self.dir + "/text.safetensors", cache: Self.texts)
    }

    /// Raw images through the backbone give the probabilities the cache's features give (the head
    /// rounds features to the cache's f16 either way), sample by sample, ids and labels included.
    func testRawImagesEqualTheCacheTo1e4() throws {
        let bundle = Self.dir + "/raw.safetensors"
        try thaw.ok(["fit", "--cache", Self.images, "--tap", "blocks.11", "--pooling", "avg", "--head", "mlp:32", "--epochs", "2", "--export", bundle])
        let fromCache = try thaw.ok(["predict", "--bundle", bundle, "--cache", Self.images, "--split", "test", "--top", "10", "--json"]).json
        let fromRaw = try thaw.ok(["predict", "--bundle", bundle, "--data", "fashion-mnist", "--limit", "40", "--split", "test",
                                   "--top", "10", "--json"]).json
        let a = try XCTUnwrap(fromCache["rows"] as? [[String: Any]]), b = try XCTUnwrap(fromRaw["rows"] as? [[String: Any]])
        XCTAssertEqual(a.count, 40)
        XCTAssertEqual(a.count, b.count)
        var worst = 0.0
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x["id"] as? String, y["id"] as? String)
            XCTAssertEqual(x["label"] as? String, y["label"] as? String)
            func probs(_ r: [String: Any]) -> [String: Double] {
                Dictionary(uniqueKeysWithValues: (r["top"] as! [[String: Any]]).map { ($0["label"] as! String, $0["probability"] as! Double) })
            }
            let px = probs(x), py = probs(y)
            XCTAssertEqual(px.count, 10)
            for (k, v) in px {
                let d = abs(v - (py[k] ?? .nan))
                XCTAssertFalse(d.isNaN, "row \(x["id"]!): class \(k) missing or NaN")
                worst = max(worst, d.isNaN ? .infinity : d)
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-4, "worst probability difference raw vs cache: \(worst)")
        // Raw prediction prints the same metrics as the cache.
        let mc = try XCTUnwrap(fromCache["metrics"] as? [String: Any]), mr = try XCTUnwrap(fromRaw["metrics"] as? [String: Any])
        XCTAssertEqual(mc["confusion"] as? [[Int]], mr["confusion"] as? [[Int]])
    }

    func testFineTunedBundleReproducesItsRunFromCacheAndRawImages() throws {
        let bundle = Self.dir + "/ft.safetensors"
        let run = try thaw.ok(["finetune", "--cache", Self.images, "--from", "blocks.11", "--epochs", "1", "--export", bundle, "--json"]).json
        let runTop1 = try XCTUnwrap((run["metrics"] as? [String: Any])?["test_top1"] as? Double)
        let inspect = try thaw.ok(["bundle", "inspect", bundle, "--json"]).json
        let d = try XCTUnwrap(inspect["bundle"] as? [String: Any])
        XCTAssertEqual(d["kind"] as? String, "finetuned")
        XCTAssertEqual((d["tap"] as? [String: Any])?["name"] as? String, "fc")
        let fromCache = try thaw.ok(["predict", "--bundle", bundle, "--cache", Self.images, "--split", "test", "--json"]).json
        XCTAssertEqual(try XCTUnwrap((fromCache["metrics"] as? [String: Any])?["top1"] as? Double), runTop1, accuracy: 1e-12)
        let fromRaw = try thaw.ok(["predict", "--bundle", bundle, "--data", "fashion-mnist", "--limit", "40", "--split", "test", "--json"]).json
        // The network was trained on f16-rounded maps; from raw images it sees f32 ones: same decisions here.
        XCTAssertEqual(try XCTUnwrap((fromRaw["metrics"] as? [String: Any])?["top1"] as? Double), runTop1, accuracy: 0.026)
    }

    func testTextBundlePredictsStringsAndRefusesImages() throws {
        let bundle = Self.dir + "/topics.safetensors"
        try thaw.ok(["fit", "--cache", Self.texts, "--tap", "pool", "--export", bundle])
        let r = try thaw.ok(["predict", "--bundle", bundle, "--top", "1", "--json",
                             "The striker scored twice in the second half and the home side won the cup final",
                             "Shares fell sharply after the bank reported a quarterly loss and cut its dividend"])
        let rows = try XCTUnwrap(r.json["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["id"] as? String }, ["text#0", "text#1"])
        XCTAssertEqual(rows.map { $0["predicted"] as? String }, ["sports", "business"])
        let wrong = try thaw.run(["predict", "--bundle", bundle, "/usr/local/share/thaw/photos/dog.jpg"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("is an image") && wrong.stderr.contains("classifies text"), wrong.stderr)
    }

    func testUnlabeledImagesAndOutputFiles() throws {
        let bundle = Self.dir + "/photos.safetensors"
        try thaw.ok(["fit", "--cache", Self.images, "--tap", "pool", "--export", bundle])
        let csv = Self.dir + "/preds.csv", jsonl = Self.dir + "/preds.jsonl"
        let text = try thaw.ok(["predict", "--bundle", bundle, "/usr/local/share/thaw/photos", "--top", "3", "--output", csv]).stdout
        XCTAssertTrue(text.contains("predicted 7 samples"), text)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 8)
        XCTAssertEqual(lines[0], "index,id,label,predicted,probability,top1_label,top1_probability,top2_label,top2_probability,top3_label,top3_probability")
        XCTAssertTrue(lines[1].hasPrefix("0,/usr/local/share/thaw/photos/astronaut.png,,"), String(lines[1]))
        try thaw.ok(["predict", "--bundle", bundle, "/usr/local/share/thaw/photos/dog.jpg", "--output", jsonl])
        let row = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: jsonl))) as? [String: Any]
        let p = try XCTUnwrap(row?["probability"] as? Double)
        XCTAssertTrue(p > 0 && p <= 1, "\(p)")
        // A failing run leaves no file at --output.
        let missing = Self.dir + "/never.csv"
        let bad = try thaw.run(["predict", "--bundle", bundle, "/usr/local/share/thaw/photos/dog.jpg", "/nonexistent.png", "--output", missing])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: Self.dir).filter { $0.contains(".partial-") }, [])
    }

    func testBadBundlesAndWeightsAreClearErrors() throws {
        let bundle = Self.dir + "/good.safetensors"
        try thaw.ok(["fit", "--cache", Self.images, "--tap", "pool", "--export", bundle])
        let data = try Data(contentsOf: URL(fileURLWithPath: bundle))
        let truncated = Self.dir + "/truncated.safetensors"
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: truncated))
        let t = try thaw.run(["predict", "--bundle", truncated, "/usr/local/share/thaw/photos/dog.jpg", "--output", Self.dir + "/t.csv"])
        XCTAssertNotEqual(t.status, 0)
        XCTAssertTrue(t.stderr.contains(truncated) && t.stderr.contains("bundle"), t.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.dir + "/t.csv"))
        // Other backbone weights than the cache's: refused with both hashes.
        let other = Self.dir + "/other-weights.safetensors"
        try thaw.ok(["finetune", "--cache", Self.images, "--from", "blocks.11", "--epochs", "1", "--export", other])
        let w = try thaw.run(["predict", "--bundle", bundle, "--weights", other, "/usr/local/share/thaw/photos/dog.jpg"])
        XCTAssertNotEqual(w.status, 0)
        XCTAssertTrue(w.stderr.contains("SHA-256") && w.stderr.contains("--weights"), w.stderr)
        // Plain weights are not a bundle.
        let plain = try thaw.run(["bundle", "inspect", "/usr/local/share/thaw/photos/dog.jpg"])
        XCTAssertNotEqual(plain.status, 0)
        XCTAssertFalse(plain.stderr.isEmpty)
        // Inputs, --data and --cache are exclusive; --output needs a known extension.
        XCTAssertNotEqual(try thaw.run(["predict", "--bundle", bundle]).status, 0)
        // A misspelt option's value is read as an input: the error names it.
        let misspelt = try thaw.run(["predict", "--bundle", bundle, "--cache", Self.images, "--out", Self.dir + "/p.csv"])
        XCTAssertNotEqual(misspelt.status, 0)
        XCTAssertTrue(misspelt.stderr.contains("'\(Self.dir)/p.csv' was read as inputs")
                      && misspelt.stderr.contains("thaw predict --help"), misspelt.stderr)
        let ext = try thaw.run(["predict", "--bundle", bundle, "/usr/local/share/thaw/photos/dog.jpg", "--output", Self.dir + "/p.txt"])
        XCTAssertTrue(ext.stderr.contains(".csv"), ext.stderr)
    }

    func testBundleInspectDescribesTheBundle() throws {
        let bundle = Self.dir + "/inspect.safetensors"
        try thaw.ok(["fit", "--cache", Self.images, "--tap", "blocks.11", "--head", "mlp:8", "--epochs", "1", "--export", bundle])
        let text = try thaw.ok(["bundle", "inspect", bundle]).stdout
        XCTAssertTrue(text.contains("efficientnet-lite0") && text.contains("blocks.11") && text.contains("pooling avg") && text.contains("mlp 8 relu"), text)
        let json = try thaw.ok(["bundle", "inspect", bundle, "--json"]).json
        let d = try XCTUnwrap(json["bundle"] as? [String: Any])
        XCTAssertEqual(d["classes"] as? [String], ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
        XCTAssertEqual((d["head"] as? [String: Any])?["hidden"] as? [Int], [8])
        XCTAssertEqual(json["parameters"] as? Int, 192 * 8 + 8 + 8 * 10 + 10)
    }

    func testClassifyTakesABundleAndSaysItIsNotImageNet() throws {
        let bundle = Self.dir + "/classify.safetensors"
        try thaw.ok(["fit", "--cache", Self.images, "--tap", "pool", "--export", bundle])
        let r = try thaw.ok(["classify", "--bundle", bundle, "--top", "2", "--json", "/usr/local/share/thaw/photos/dog.jpg"])
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let names = try XCTUnwrap(rows.first?["top"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        XCTAssertEqual(names.count, 2)
        let fashion = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        XCTAssertTrue(names.allSatisfy(fashion.contains), "\(names)")
        XCTAssertTrue(r.stderr.contains("10-class") && r.stderr.contains("not ImageNet"), r.stderr)
        // The same image and bundle through predict: the same top class.
        let p = try thaw.ok(["predict", "--bundle", bundle, "--json", "/usr/local/share/thaw/photos/dog.jpg"]).json
        XCTAssertEqual(((p["rows"] as? [[String: Any]])?.first?["predicted"] as? String), names[0])
    }

    /// New, unlabeled data can be cached (a flat folder, a manifest without labels) and predicted from the cache.
    func testUnlabeledDataIsCachedAndPredictedFromTheCache() throws {
        let bundle = Self.dir + "/unlabeled.safetensors", cache = Self.dir + "/new-photos"
        try thaw.ok(["fit", "--cache", Self.images, "--tap", "pool", "--export", bundle])
        try thaw.ok(["extract", "--model", "efficientnet-lite0", "--data", "/usr/local/share/thaw/photos", "--cache", cache])
        let fromCache = try thaw.ok(["predict", "--bundle", bundle, "--cache", cache, "--json"]).json
        let raw = try thaw.ok(["predict", "--bundle", bundle, "/usr/local/share/thaw/photos", "--json"]).json
        let a = try XCTUnwrap(fromCache["rows"] as? [[String: Any]]), b = try XCTUnwrap(raw["rows"] as? [[String: Any]])
        XCTAssertEqual(a.count, 7)
        XCTAssertEqual(a.compactMap { $0["predicted"] as? String }, b.compactMap { $0["predicted"] as? String })
        XCTAssertNil(fromCache["metrics"] ?? nil, "no labels, no metrics")
        let csv = Self.dir + "/unlabeled.csv"
        try "path\n/usr/local/share/thaw/photos/dog.jpg\n/usr/local/share/thaw/photos/eagle.jpg\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let m = try thaw.ok(["predict", "--bundle", bundle, "--data", csv, "--json"]).json
        XCTAssertEqual((m["rows"] as? [[String: Any]])?.count, 2)
    }

    /// `thaw bundle preprocess`: the exact tensors the bundle's backbone (and its ONNX graph) takes.
    func testBundlePreprocessWritesTheBackbonesInputs() throws {
        let image = Self.dir + "/pre-image.safetensors", text = Self.dir + "/pre-text.safetensors"
        try thaw.ok(["fit", "--cache", Self.images, "--tap", "pool", "--export", image])
        try thaw.ok(["fit", "--cache", Self.texts, "--tap", "pool", "--export", text])
        try thaw.ok(["bundle", "preprocess", image, "/usr/local/share/thaw/photos", "--output", Self.dir + "/in"])
        let pixels = try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/in.pixels.npy"))
        XCTAssertTrue(String(decoding: pixels.prefix(128), as: UTF8.self).contains("'shape': (7, 224, 224, 3)"))
        XCTAssertEqual(pixels.count % 64, (7 * 224 * 224 * 3 * 4) % 64)
        try thaw.ok(["bundle", "preprocess", text, "one sentence", "and another one", "--output", Self.dir + "/tokens"])
        let ids = try Data(contentsOf: URL(fileURLWithPath: Self.dir + "/tokens.input_ids.npy"))
        XCTAssertTrue(String(decoding: ids.prefix(128), as: UTF8.self).contains("'descr': '<i8'"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.dir + "/tokens.attention_mask.npy"))
    }

    /// Labels the bundle does not know: every sample is still predicted and written; the metrics say which were left out.
    func testUnknownLabelsArePredictedAndNamed() throws {
        let bundle = Self.dir + "/unknown.safetensors", csv = Self.dir + "/labeled.csv", out = Self.dir + "/labeled.jsonl"
        try thaw.ok(["fit", "--cache", Self.images, "--tap", "pool", "--export", bundle])
        try "path,label\n/usr/local/share/thaw/photos/dog.jpg,dog\n/usr/local/share/thaw/photos/horses.jpg,horse\n/usr/local/share/thaw/photos/eagle.jpg,Bag\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let r = try thaw.ok(["predict", "--bundle", bundle, "--data", csv, "--json"])
        XCTAssertEqual(r.json["count"] as? Int, 3)
        XCTAssertEqual(r.json["unknownLabels"] as? [String: Int], ["dog": 1, "horse": 1])
        XCTAssertEqual((r.json["metrics"] as? [String: Any])?["count"] as? Int, 1, "only the known label is scored")
        let text = try thaw.ok(["predict", "--bundle", bundle, "--data", csv, "--output", out]).stdout
        XCTAssertTrue(text.contains("the label \"dog\", which the bundle does not know"), text)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count, 3)
    }

    /// A fine-tuned MiniLM (top layer + classifier from the cached layer.4 states, --l2) is a bundle whose
    /// classifier reads the L2-normalised pool: it predicts new sentences and exports to ONNX.
    func testFineTunedTextBundlePredictsSentences() throws {
        let bundle = Self.dir + "/minilm-ft/topics.safetensors"
        try FileManager.default.createDirectory(atPath: Self.dir + "/minilm-ft", withIntermediateDirectories: true)
        let run = try thaw.ok(["finetune", "--cache", Self.texts, "--from", "layer.4", "--data", "bbc-news", "--l2", "--epochs", "1",
                               "--export", bundle, "--json"]).json
        let d = try XCTUnwrap(try thaw.ok(["bundle", "inspect", bundle, "--json"]).json["bundle"] as? [String: Any])
        XCTAssertEqual(d["kind"] as? String, "finetuned")
        XCTAssertEqual((d["head"] as? [String: Any])?["type"] as? String, "linear")
        XCTAssertEqual(d["run"] as? String, run["id"] as? String)
        let r = try thaw.ok(["predict", "--bundle", bundle, "--top", "5", "--json",
                             "The striker scored twice in the second half and the home side won the cup final"])
        let rows = try XCTUnwrap(r.json["rows"] as? [[String: Any]])
        let total = (rows.first?["top"] as? [[String: Any]] ?? []).compactMap { $0["probability"] as? Double }.reduce(0, +)
        XCTAssertEqual(total, 1, accuracy: 1e-5, "the five topics' probabilities sum to 1")
        // Exported to ONNX, ONNX Runtime gives the same probabilities on token ids from `thaw bundle preprocess`.
        let onnx = Self.dir + "/minilm-ft/topics.onnx"
        try thaw.ok(["export", "--bundle", bundle, "--onnx", onnx])
        try thaw.assertONNXMatchesPredict(bundle: bundle, onnx: onnx,
                                          inputs: ["Shares fell after the bank reported a loss", "The striker scored twice in the final"])
        // A text network cannot run from a cache of hidden states without their masks: a clear refusal.
        let cached = try thaw.run(["predict", "--bundle", bundle, "--cache", Self.texts])
        XCTAssertNotEqual(cached.status, 0)
        XCTAssertTrue(cached.stderr.contains("raw text only"), cached.stderr)
    }

    /// A fine-tuned network whose weights hold a NaN: predict and classify say so instead of printing nan%.
    func testNonFiniteWeightsAreNamedNotPrinted() throws {
        let bundle = Self.dir + "/nan.safetensors"
        try thaw.ok(["finetune", "--cache", Self.images, "--from", "blocks.11", "--epochs", "1", "--export", bundle])
        // Overwrite the first classifier bias with a NaN, in place (safetensors: u64 header length, JSON header, data).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: bundle))
        let n = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + n))) as? [String: Any])
        let offsets = try XCTUnwrap((header["_fc.bias"] as? [String: Any])?["data_offsets"] as? [Int])
        let at = 8 + n + offsets[0]
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) }
        try bytes.write(to: URL(fileURLWithPath: bundle))
        let p = try thaw.run(["predict", "--bundle", bundle, "/usr/local/share/thaw/photos/dog.jpg"])
        XCTAssertEqual(p.status, 1, p.stdout)
        XCTAssertTrue(p.stderr.contains("NaN or infinite") && !p.stdout.contains("nan%"), p.stderr + p.stdout)
        let c = try thaw.run(["classify", "--weights", bundle, "/usr/local/share/thaw/photos/dog.jpg"])
        XCTAssertNotEqual(c.status, 0, c.stdout)
        XCTAssertTrue(c.stderr.contains("NaN or infinite") && !c.stdout.contains("nan%"), c.stderr + c.stdout)
    }
}
