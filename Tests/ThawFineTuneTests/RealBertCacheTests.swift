import Foundation
import ThawAssets
import ThawBackbones
import ThawCore
import ThawExtract
@testable import ThawFineTune
import ThawFit
import ThawInputs
import ThawRuns
import ThawStore
import ThawText
import ThawKernels
import ThawWeights
import XCTest

/// End to end on real text: all-MiniLM-L6-v2 over BBC News (30 texts per split, 48 tokens) into a
/// cache with taps layer.4 and pool; a head fitted on pool (`FitRun`, exported) warm-starts the
/// classifier of `BertFineTuneRun`, which trains layer.5 from layer.4 with checkpoints; `--export`
/// writes a file that loads as the backbone whose pool equals the fine-tuned model's.
final class RealBertCacheTests: XCTestCase {
    struct Fixture { var dir: String, cache: String, weights: String, count: (String) throws -> Int }

    func makeCache() throws -> Fixture {
        guard let corpus = KnownAsset.named("bbc-news"), let folder = corpus.find() else {
            throw XCTSkip("BBC News corpus missing: \(KnownAsset.named("bbc-news")?.installCommand ?? "")")
        }
        guard let asset = KnownAsset.named("all-minilm-l6-v2"), let weights = asset.find() else {
            throw XCTSkip("all-MiniLM-L6-v2 missing: \(KnownAsset.named("all-minilm-l6-v2")?.installCommand ?? "")")
        }
        let dir = NSTemporaryDirectory() + "thaw-bert-real-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/bbc"
        let source = try TextFolderSource(root: folder)
        let tokenizer = try BertTokenizer(modelDirectory: URL(fileURLWithPath: weights).deletingLastPathComponent(), maxLength: 48)
        let backbone = try BertBackbone.load(name: "all-minilm-l6-v2", path: weights, maxLength: 48)
        let extractor = try Extractor(backbone: backbone, weightsSHA256: try SHA256.hex(ofFile: weights),
                                      input: .text(source, tokenizer: tokenizer),
                                      options: ExtractOptions(taps: ["layer.4", "pool"], dtype: .f32, limit: 30), toolVersion: "test")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        _ = try extractor.run(into: try CacheWriter.open(at: cache, manifest: extractor.manifest))
        let byID = Dictionary(source.samples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return Fixture(dir: dir, cache: cache, weights: weights) { id in tokenizer.encode(try source.loadText(byID[id]!)).count }
    }

    func testWarmStartedHeadAndCheckpoints() throws {
        let f = try makeCache()
        var q = FitRequest(cache: f.cache, tap: "pool")
        q.export = f.dir + "/head.safetensors"; q.epochs = 30; q.lr = 1e-2
        let fit = try FitRun.run(q)

        // A near-zero learning rate: the model is layer 5 + masked mean + L2 + the fitted head,
        // i.e. the pool tap through the head, so validation must match the fit's.
        var o = FineTuneOptions(cache: f.cache, from: "layer.4", weights: f.weights)
        o.head = .file(q.export!); o.epochs = 1; o.lr = 1e-9; o.batch = 16; o.chunk = 8
        o.checkpointDir = f.dir + "/ck"
        o.verifyWeights = false   // hashing 90 MB is slow in debug builds; the cache records the weights' hash
        var notes: [String] = []
        let warm = try BertFineTuneRun.run(o, normalize: true, tokenCount: f.count, onLoaded: { notes = $0 })
        XCTAssertFalse(notes.contains { $0.contains("--l2") }, "\(notes)")
        XCTAssertEqual(warm.validation.loss, fit.validation.loss, accuracy: 1e-3 * fit.validation.loss, "warm start = fitted head")
        XCTAssertEqual(warm.validation.top1, fit.validation.top1)
        XCTAssertEqual(warm.record.config["head"], .string("warm:" + q.export!))
        XCTAssertTrue(FileManager.default.fileExists(atPath: FineTuneCheckpoint.path(in: f.dir + "/ck")))

        // Resuming with another learning rate is refused, naming it.
        o.resume = true; o.lr = 1e-3
        XCTAssertThrowsError(try BertFineTuneRun.run(o, normalize: true, tokenCount: f.count)) {
            XCTAssertTrue("\($0)".contains("lr=1e-09 (now 0.001)"), "\($0)")
        }
        // Without --l2 the note says the head saw normalised inputs.
        o.resume = false; o.checkpointDir = nil; o.misclassified = 3
        let unnormalized = try BertFineTuneRun.run(o, normalize: false, tokenCount: f.count, onLoaded: { notes = $0 })
        XCTAssertTrue(notes.contains { $0.contains("pass --l2") }, "\(notes)")
        // --misclassified: the most confident test mistakes, named by the ids the cache stores.
        let errors = unnormalized.test.map { t in t.confusion.indices.reduce(0) { $0 + t.confusion[$1].reduce(0, +) - t.confusion[$1][$1] } } ?? -1
        guard case .array(let wrong)? = unnormalized.record.metrics["misclassified"] else { return XCTFail("no misclassified list") }
        XCTAssertEqual(wrong.count, min(3, errors))
        let reader0 = try CacheReader(path: f.cache)
        for case .object(let m) in wrong {
            XCTAssertNotEqual(m["label"], m["predicted"], "\(m)")
            XCTAssertEqual(m["id"]?.string, try reader0.sample(at: Int(m["index"]?.number ?? -1))?.id, "\(m)")
        }

        // Export after a real step: the file (with config.json and vocab.txt copied beside it) loads
        // as the backbone; its pool from the cached layer.4 states is the fine-tuned model's.
        o.lr = 1e-3; o.export = f.dir + "/ft/minilm-ft.safetensors"
        try FileManager.default.createDirectory(atPath: f.dir + "/ft", withIntermediateDirectories: true)
        let tuned = try BertFineTuneRun.run(o, normalize: true, tokenCount: f.count)
        XCTAssertEqual(tuned.record.config["export"], .string(o.export!))
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.dir + "/ft/vocab.txt"))
        let file = try WeightFile.load(o.export!)
        XCTAssertEqual(file["classifier.weight"]?.floats(), tuned.model.classifier.weight.torchValue)
        XCTAssertEqual(file["encoder.layer.5.output.dense.weight"]?.floats(), tuned.model.layers[0].outputDense.weight.torchValue)
        let backbone = try BertBackbone.load(name: "all-minilm-l6-v2", path: o.export!)
        let reader = try CacheReader(path: f.cache)
        let tap = try reader.tapIndex("layer.4"), shape = reader.manifest.taps[tap].shape   // [T, C]
        var x: [Float] = [], counts: [Int] = []
        try reader.forEach { s in x += s.taps[tap]; counts.append(try f.count(s.id)); return counts.count < 4 }
        let mask = counts.flatMap { n in (0..<shape[0]).map { Float($0 < n ? 1 : 0) } }
        let pool = try backbone.forward(Activations(tensor: Tensor(shape: [counts.count] + shape, data: x), mask: mask),
                                        from: "layer.4", taps: ["pool"])["pool"]!.tensor.data
        let (logits, saved) = tuned.model.forward(x, counts: counts, length: shape[0])
        assertClose(pool, saved.pooled, tol: 1e-4, "exported pool")
        assertClose(tuned.model.classifier.forward(pool, rows: counts.count), logits, tol: 1e-4, "exported logits")
        o.export = nil

        // Heads of another width or class count are refused with both numbers.
        for (shape, expected) in [([5, 8], "takes 8 features, the fine-tuned classifier takes 384"),
                                  ([4, 384], "scores 4 classes, the cache has 5")] {
            let path = f.dir + "/bad.safetensors"
            try SafetensorsWriter.write([.init(name: "out.weight", shape: shape, values: [Float](repeating: 0, count: shape[0] * shape[1])),
                                         .init(name: "out.bias", shape: [shape[0]], values: [Float](repeating: 0, count: shape[0]))],
                                        to: path)
            o.head = .file(path)
            XCTAssertThrowsError(try BertFineTuneRun.run(o, tokenCount: f.count)) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
    }
}
