import Foundation
import ThawAssets
import ThawInputs
import XCTest

/// `thaw export --bundle B --onnx F` through the built binary: ONNX Runtime's probabilities on the real
/// photos equal `thaw predict --bundle B` on the same files, for a head bundle (GeM + MLP on the f16
/// blocks.11 map of a real Fashion-MNIST cache) and a fine-tuned bundle, of EfficientNet-Lite0 and of MobileNetV2, and
/// of a cache extracted at `--image-size 160` (the graph takes 160×160 pixels, as `thaw predict` feeds the bundle).
final class BundleExportCLITests: XCTestCase {
    func thaw(_ args: [String]) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let env = ProcessInfo.processInfo.environment
        let candidates = env["THAW_BIN"].map { [$0] } ?? [root + "/.build/release/thaw", root + "/.build/debug/thaw"]
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw RealInputs.Missing(description: "no built thaw binary at \(candidates.joined(separator: " or ")): run `swift build -c release --product thaw`")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw RealInputs.Missing(description: "thaw \(args.joined(separator: " ")) exited with \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    func testExportedBundlesEqualThawPredictInONNXRuntime() throws {
        let dir = NSTemporaryDirectory() + "thaw-export-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        _ = try thaw(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "20", "--cache", dir + "/fm"])
        _ = try thaw(["fit", "--cache", dir + "/fm", "--tap", "blocks.11", "--pooling", "gem", "--head", "mlp:16", "--epochs", "3",
                      "--export", dir + "/head.safetensors"])
        _ = try thaw(["finetune", "--cache", dir + "/fm", "--from", "blocks.11", "--epochs", "1", "--export", dir + "/ft.safetensors"])
        try assertONNXEqualsPredict(bundles: ["head", "ft"], in: dir, photos: try RealInputs.photos(.efficientNetLite(resize: 256, crop: 224)))
    }

    /// MobileNetV2 (torchvision's real weights): a fine-tuned bundle from the default `features.14` boundary.
    func testFineTunedMobileNetV2BundleEqualsThawPredictInONNXRuntime() throws {
        let dir = NSTemporaryDirectory() + "thaw-export-mnv2-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        _ = try thaw(["extract", "--model", "mobilenet-v2", "--data", "fashion-mnist", "--limit", "20", "--cache", dir + "/fm"])
        _ = try thaw(["finetune", "--cache", dir + "/fm", "--epochs", "1", "--export", dir + "/ft.safetensors"])
        _ = try thaw(["fit", "--cache", dir + "/fm", "--tap", "features.14", "--pooling", "avg", "--epochs", "3",
                      "--export", dir + "/head.safetensors"])
        try assertONNXEqualsPredict(bundles: ["head", "ft"], in: dir, photos: try RealInputs.photos(.imagenet(resize: 256, crop: 224)))
    }

    /// A cache extracted at `--image-size 160` (not Lite0's 224): the exported graphs (a GeM + MLP head on the 10×10
    /// blocks.11 map, and a fine-tuned network) take [N, 160, 160, 3] pixels — EfficientNet-Lite's TF SAME pads are
    /// worked out for 160 — and give `thaw predict`'s probabilities on the photos preprocessed at 183→160.
    func testBundlesFromANonDefaultImageSizeExportAtThatSize() throws {
        let dir = NSTemporaryDirectory() + "thaw-export-160-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        _ = try thaw(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "20", "--image-size", "160",
                      "--cache", dir + "/fm"])
        _ = try thaw(["fit", "--cache", dir + "/fm", "--tap", "blocks.11", "--pooling", "gem", "--head", "mlp:16", "--epochs", "3",
                      "--export", dir + "/head.safetensors"])
        _ = try thaw(["finetune", "--cache", dir + "/fm", "--from", "blocks.11", "--epochs", "1", "--export", dir + "/ft.safetensors"])
        try assertONNXEqualsPredict(bundles: ["head", "ft"], in: dir, photos: try RealInputs.photos(.efficientNetLite(resize: 183, crop: 160)),
                                    size: 160)
    }

    /// `thaw export` of each `<bundle>.safetensors` in `dir`, run in ONNX Runtime on `photos` (`size`² pixels), against `thaw
    /// predict`'s top-10 probabilities on the same files (max |Δp| ≤ 1e-4).
    func assertONNXEqualsPredict(bundles: [String], in dir: String, photos: (values: [Float], count: Int), size: Int = 224,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        for bundle in bundles {
            let path = dir + "/\(bundle).safetensors", onnx = dir + "/\(bundle).onnx"
            let wrote = try thaw(["export", "--bundle", path, "--onnx", onnx])
            XCTAssertTrue(wrote.contains("wrote \(onnx)"), wrote, file: file, line: line)
            XCTAssertTrue(wrote.contains("pixels [N, \(size), \(size), 3]"), "export names the input it wrote: \(wrote)", file: file, line: line)
            let json = try JSONSerialization.jsonObject(with: Data(try thaw(["predict", "--bundle", path, AssetPaths.photosDirectory,
                                                                              "--top", "10", "--json"]).utf8)) as! [String: Any]
            let classes = json["classes"] as! [String]
            let rows = json["rows"] as! [[String: Any]]
            XCTAssertEqual(rows.count, photos.count)
            let outputs = try ONNXRuntimeRunner.run(model: try Data(contentsOf: URL(fileURLWithPath: onnx)),
                                                    inputs: ["pixels": .float(photos.values, shape: [photos.count, size, size, 3])])
            let p = try XCTUnwrap(outputs["probabilities"])
            XCTAssertEqual(p.shape, [photos.count, classes.count])
            var worst = 0.0
            for (r, row) in rows.enumerated() {
                for t in row["top"] as! [[String: Any]] {
                    let k = classes.firstIndex(of: t["label"] as! String)!
                    let d = abs(Double(p.values[r * classes.count + k]) - (t["probability"] as! Double))
                    worst = d.isNaN ? .infinity : max(worst, d)
                }
            }
            print("\(bundle): max |p_onnx − p_thaw| = \(worst) over the top-10 of \(rows.count) photos")
            XCTAssertLessThanOrEqual(worst, 1e-4, "\(bundle): worst |p_onnx − p_thaw| = \(worst)", file: file, line: line)
        }
    }
}
