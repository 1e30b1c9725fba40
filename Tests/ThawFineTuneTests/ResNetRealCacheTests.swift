import ThawWeights
import Foundation
import ThawBackbones
import ThawCore
import ThawExtract
import ThawFineTune
import ThawFit
import ThawHeads
import ThawInputs
import ThawStore
import XCTest

/// End to end on real data with a ResNet-18: seeded torchvision-keyed weights written as
/// safetensors, 64 Fashion-MNIST test images at 64×64 extracted into a cache with tap `layer3`
/// (`ThawExtract.Extractor`), then `FineTuneRun` trains layer4 + pool + a new linear for two
/// epochs, writes a checkpoint, resumes from it, and builds a `.finetune` run record.
final class ResNetRealCacheTests: XCTestCase {
    /// ResNet-18 with 10 classes from SplitMix64: conv/linear weights Kaiming-uniform, BN γ and
    /// running variance in [0.5, 1.5), BN β, running mean and biases in ±0.1. Written to `path`.
    static func writeSeededResNet18(to path: String) throws -> ResNet {
        var tensors: [SafetensorsWriter.Tensor] = []
        let net = try ResNet(depth: 18, classes: 10) { name, shape in
            var seed: UInt64 = 0xcbf29ce484222325               // FNV-1a of the key: each tensor its own stream
            for b in name.utf8 { seed = (seed ^ UInt64(b)) &* 0x100000001b3 }
            var g = SplitMix64(seed: seed)
            // values = lo + span·u, u uniform in [0, 1)
            let lo: Float, span: Float
            if shape.count >= 2 {
                let bound = (6 / Float(shape.dropFirst().reduce(1, *))).squareRoot()
                (lo, span) = (-bound, 2 * bound)
            } else if name.hasSuffix("running_var") || (name.hasSuffix(".weight") && !name.hasPrefix("fc")) {
                (lo, span) = (0.5, 1)
            } else {
                (lo, span) = (-0.1, 0.2)
            }
            var values = [Float](repeating: 0, count: shape.reduce(1, *))
            for i in values.indices { values[i] = lo + span * g.nextUnitFloat() }
            tensors.append(.init(name: name, shape: shape, values: values))
            return values
        }
        try SafetensorsWriter.encode(tensors).write(to: URL(fileURLWithPath: path))
        return net
    }

    func testFineTuneLayer4FromExtractedCache() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder + "/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST missing: apt-get install dataset-fashion-mnist")
        }
        let dir = NSTemporaryDirectory() + "thaw-finetune-resnet-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let weights = dir + "/resnet18-seeded.safetensors", cache = dir + "/fm"
        let backbone = try Self.writeSeededResNet18(to: weights)
        let source = try IDXSource(parts: [.init(images: folder + "/t10k-images-idx3-ubyte.gz",
                                                 labels: folder + "/t10k-labels-idx1-ubyte.gz", split: nil)])
        let extractor = try Extractor(backbone: backbone, weightsSHA256: try SHA256.hex(ofFile: weights),
                                      input: .images(source, preset: .imagenet(resize: 73, crop: 64)),
                                      options: ExtractOptions(taps: ["layer3"], dtype: .f32, limit: 64), toolVersion: "test")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let writer = try CacheWriter.open(at: cache, manifest: extractor.manifest)
        _ = try extractor.run(into: writer)

        var o = FineTuneOptions(cache: cache, from: "layer3", weights: weights)
        o.epochs = 2; o.batch = 16; o.lr = 1e-3; o.seed = 5
        o.checkpointDir = dir + "/ck"
        // The manifest holds the file's SHA-256 (hashed above); hashing 45 MB again is slow in debug
        // builds, and the check itself is RealCacheTests' (shared code).
        o.verifyWeights = false
        let whole = try FineTuneRun.run(o)
        XCTAssertEqual(whole.record.kind, .finetune)
        XCTAssertEqual(whole.model.trainedBlockNames, ["layer4.0", "layer4.1"])
        XCTAssertEqual(whole.model.tensors.last?.key, "fc.bias")
        XCTAssertEqual(whole.record.config["backbone"], .string("resnet18"))
        XCTAssertEqual(whole.record.epochs.count, 2)
        for key in ["test_top1", "val_top1", "train_seconds", "confusion"] {
            XCTAssertNotNil(whole.record.metrics[key], "metric \(key)")
        }
        let e0 = whole.outcome.epochs[0], e1 = whole.outcome.epochs[1]
        XCTAssertLessThan(e1.trainLoss, e0.trainLoss, "training loss falls")
        XCTAssertTrue(whole.outcome.epochs.allSatisfy { $0.trainLoss.isFinite && $0.valLoss!.isFinite })

        // Resuming the finished run restores its weights, optimizer state and history.
        XCTAssertTrue(FileManager.default.fileExists(atPath: FineTuneCheckpoint.path(in: dir + "/ck")))
        o.resume = true
        let resumed = try FineTuneRun.run(o)
        XCTAssertEqual(resumed.outcome.epochs.map(\.valLoss), whole.outcome.epochs.map(\.valLoss), "nothing left to do, same history")
        for (a, b) in zip(whole.model.tensors, resumed.model.tensors) { XCTAssertEqual(a.value, b.value, a.key) }

        XCTAssertTrue(try error { _ = try FineTuneRun.run(FineTuneOptions(cache: cache, from: "layer3", weights: dir + "/none.pth")) }
            .contains("--weights"))
        XCTAssertTrue(try error { _ = try FineTuneRun.run(FineTuneOptions(cache: cache, from: "layer2", weights: weights)) }
            .contains("neither tap layer2 nor a tap below it"))
        XCTAssertTrue(try error { _ = try FineTuneRun.run(FineTuneOptions(cache: cache, from: "blocks.3", weights: weights)) }
            .contains("layerK"))
    }

    func error(_ body: () throws -> Void) throws -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }
}
