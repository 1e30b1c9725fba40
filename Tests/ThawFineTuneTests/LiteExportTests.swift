import Foundation
import ThawBundle
import ThawAssets
import ThawBackbones
import ThawCore
import ThawExtract
@testable import ThawFineTune
import ThawInputs
import ThawKernels
import ThawStore
import ThawWeights
import XCTest

/// `--export` for EfficientNet-Lite: after one epoch (BN in train mode, so running statistics move)
/// the exported file loads as a backbone whose pool and logits from the cached blocks.11 maps equal
/// the fine-tuned model's.
final class LiteExportTests: XCTestCase {
    func testExportLoadsAsBackboneWithTheFineTunedOutputs() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder + "/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST missing: apt-get install dataset-fashion-mnist")
        }
        guard let asset = KnownAsset.named("efficientnet-lite0"), let weights = asset.find() else {
            throw XCTSkip("EfficientNet-Lite0 weights missing: \(KnownAsset.named("efficientnet-lite0")?.installCommand ?? "")")
        }
        let dir = NSTemporaryDirectory() + "thaw-finetune-export-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let cache = dir + "/fm"
        let source = try IDXSource(parts: [.init(images: folder + "/t10k-images-idx3-ubyte.gz",
                                                 labels: folder + "/t10k-labels-idx1-ubyte.gz", split: nil)])
        let extractor = try Extractor(backbone: try EfficientNetLite(variant: 0, weightsPath: weights), weightsSHA256: try SHA256.hex(ofFile: weights),
                                      input: .images(source, preset: .efficientNetLite(resize: 73, crop: 64)),
                                      options: ExtractOptions(taps: ["blocks.11"], dtype: .f32, limit: 10), toolVersion: "test")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        _ = try extractor.run(into: try CacheWriter.open(at: cache, manifest: extractor.manifest))

        var o = FineTuneOptions(cache: cache, from: "blocks.11", weights: weights)
        o.epochs = 1; o.batch = 10; o.chunk = 5; o.batchNorm = .train; o.verifyWeights = false
        o.export = dir + "/fm-finetuned.safetensors"
        let result = try FineTuneRun.run(o)
        XCTAssertEqual(result.record.config["export"], .string(o.export!))

        let file = try WeightFile.load(o.export!)
        // A fine-tuned model bundle whose classifier output is the network's own `fc`.
        let bundle = try ModelBundle.read(o.export!)
        XCTAssertEqual(bundle.description.kind, .finetuned)
        XCTAssertEqual(bundle.description.tap.name, "fc")
        XCTAssertEqual(bundle.description.run, result.record.id)
        XCTAssertEqual(file.metadata["class_names"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }?.count, 10)
        XCTAssertEqual(file["_fc.weight"]?.shape, [10, 1280])
        let moved = result.model.blocks[0].tensors.first { $0.key.hasSuffix("_bn0.running_mean") }!
        XCTAssertEqual(file[moved.key]?.floats(), moved.torchValue, "BN running statistics as trained")

        let backbone = try EfficientNetLite(variant: 0, weightsPath: o.export!)   // 10 classes, from the file
        let reader = try CacheReader(path: cache)
        let shape = reader.manifest.taps[0].shape   // [H, W, C]
        var x: [Float] = [], n = 0
        try reader.forEach { s in x += s.taps[0]; n += 1; return n < 4 }
        let out = try backbone.forward(Activations(tensor: Tensor(shape: [n] + shape, data: x)), from: "blocks.11", taps: ["pool", "fc"])
        let (logits, saved) = result.model.forward(x, batch: n, height: shape[0], width: shape[1], mode: .running)
        assertClose(out["pool"]!.tensor.data, saved.pooled, tol: 1e-4, "pool")
        assertClose(out["fc"]!.tensor.data, logits, tol: 1e-4, "logits")
    }
}
