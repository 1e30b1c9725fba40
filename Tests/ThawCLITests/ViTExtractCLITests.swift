import Foundation
import XCTest

/// `thaw extract --model dinov2-vits14` end to end on real Fashion-MNIST images, from a seeded
/// DINOv2-with-registers checkpoint in timm's key layout written here (ViT-S width 384, 6 heads,
/// 16×16 position grid, 4 registers; one block to keep the debug build quick — the catalog checks
/// the width, the depth is read from the file). Token taps, the DINOv2 pool (2C) and a smaller
/// input (position embeddings resampled to 8×8) land in the cache with the right shapes.
final class ViTExtractCLITests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "thaw-vit-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { [folder] in try? FileManager.default.removeItem(atPath: folder) }
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fashion-MNIST (install with apt-get install dataset-fashion-mnist)"])
        }
        try Self.writeSeededViTS14(to: folder + "/vits14.safetensors")
    }

    func testExtractStoresTokenTapsAndDINOv2PoolAtTwoSizes() throws {
        for (size, tokens) in [(224, 1 + 4 + 256), (112, 1 + 4 + 64)] {
            let cache = "c\(size)"
            let r = try ThawBinary.run(["extract", "--model", "dinov2-vits14", "--weights", "vits14.safetensors", "--data", "fashion-mnist",
                                        "--limit", "3", "--cache", cache, "--image-size", "\(size)",
                                        "--tap", "blocks.0", "--tap", "cls", "--tap", "pool", "--dtype", "f32"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let info = try ThawBinary.run(["cache", "info", cache, "--json"], in: folder)
            XCTAssertEqual(info.status, 0, info.stderr)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(json["complete"] as? Bool, true)
            XCTAssertEqual(json["records"] as? Int, 6)
            let manifest = try XCTUnwrap(json["manifest"] as? [String: Any])
            let taps = try XCTUnwrap(manifest["taps"] as? [[String: Any]])
            let shapes = Dictionary(uniqueKeysWithValues: taps.map { ($0["name"] as! String, $0["shape"] as! [Int]) })
            XCTAssertEqual(shapes, ["blocks.0": [tokens, 384], "cls": [384], "pool": [768]], "input \(size)")
            XCTAssertTrue((manifest["preprocessing"] as? String ?? "").contains("bicubic-antialias-pil"))
            let verify = try ThawBinary.run(["cache", "verify", cache], in: folder)
            XCTAssertEqual(verify.status, 0, verify.stderr + verify.stdout)
        }
        // A ViT-S file under a ViT-B name is refused, naming the right model.
        ThawBinary.expectRefusal(["extract", "--model", "dinov2-vitb14", "--weights", folder + "/vits14.safetensors", "--data", "fashion-mnist",
                                  "--limit", "1", "--cache", folder + "/wrong"], ["width 384", "dinov2-vits14"])
    }

    /// A position table that is no square grid (250 entries) is refused with the reason, not trapped on.
    /// `--weights FOLDER` (a Hugging Face model folder) means its model.safetensors: the same SHA-256
    /// in the manifest as passing the file; a folder without weights is refused by name.
    func testWeightsFolderStandsForItsWeightFile() throws {
        try FileManager.default.createDirectory(atPath: folder + "/hf", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder + "/vits14.safetensors", toPath: folder + "/hf/model.safetensors")
        var shas: [String] = []
        for (cache, weights) in [("by-file", "vits14.safetensors"), ("by-folder", "hf")] {
            let r = try ThawBinary.run(["extract", "--model", "dinov2-vits14", "--weights", weights, "--data", "fashion-mnist",
                                        "--limit", "1", "--cache", cache, "--image-size", "112", "--tap", "cls"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let info = try ThawBinary.run(["cache", "info", cache, "--json"], in: folder)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            let manifest = try XCTUnwrap(json["manifest"] as? [String: Any])
            shas.append(try XCTUnwrap(manifest["weightsSHA256"] as? String ?? manifest["weights_sha256"] as? String))
        }
        XCTAssertEqual(shas[0].count, 64)
        XCTAssertEqual(shas[0], shas[1])
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        ThawBinary.expectRefusal(["extract", "--model", "dinov2-vits14", "--weights", folder + "/empty", "--data", "fashion-mnist",
                                  "--limit", "1", "--cache", folder + "/none"],
                                 ["empty: the folder holds neither model.safetensors nor pytorch_model.bin", "pass the weight file itself"])
    }

    func testMalformedPositionTableIsRefused() throws {
        try Self.writeSeededViTS14(to: folder + "/bad.safetensors", positions: 250)
        ThawBinary.expectRefusal(["extract", "--model", "dinov2-vits14", "--weights", folder + "/bad.safetensors", "--data", "fashion-mnist",
                                  "--limit", "1", "--cache", folder + "/bad"], ["250 position embeddings", "patch grid"])
    }

    /// timm DINOv2-with-registers keys (no class entry in pos_embed), float32 safetensors, values from an LCG.
    static func writeSeededViTS14(to path: String, positions: Int = 256) throws {
        let c = 384, mlp = 1536, p = 14
        var state: UInt64 = 2026
        func values(_ count: Int, scale: Float, offset: Float = 0) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return offset + scale * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
            }
        }
        var tensors: [(String, [Int], [Float])] = [
            ("cls_token", [1, 1, c], values(c, scale: 0.5)),
            ("reg_token", [1, 4, c], values(4 * c, scale: 0.5)),
            ("pos_embed", [1, positions, c], values(positions * c, scale: 0.5)),
            ("patch_embed.proj.weight", [c, 3, p, p], values(c * 3 * p * p, scale: 0.1)),
            ("patch_embed.proj.bias", [c], values(c, scale: 0.1)),
            ("norm.weight", [c], values(c, scale: 0.2, offset: 1)), ("norm.bias", [c], values(c, scale: 0.1)),
        ]
        let b = "blocks.0."
        tensors += [
            (b + "norm1.weight", [c], values(c, scale: 0.2, offset: 1)), (b + "norm1.bias", [c], values(c, scale: 0.1)),
            (b + "attn.qkv.weight", [3 * c, c], values(3 * c * c, scale: 0.08)), (b + "attn.qkv.bias", [3 * c], values(3 * c, scale: 0.1)),
            (b + "attn.proj.weight", [c, c], values(c * c, scale: 0.08)), (b + "attn.proj.bias", [c], values(c, scale: 0.1)),
            (b + "ls1.gamma", [c], values(c, scale: 0.2, offset: 0.5)),
            (b + "norm2.weight", [c], values(c, scale: 0.2, offset: 1)), (b + "norm2.bias", [c], values(c, scale: 0.1)),
            (b + "mlp.fc1.weight", [mlp, c], values(mlp * c, scale: 0.08)), (b + "mlp.fc1.bias", [mlp], values(mlp, scale: 0.1)),
            (b + "mlp.fc2.weight", [c, mlp], values(c * mlp, scale: 0.04)), (b + "mlp.fc2.bias", [c], values(c, scale: 0.1)),
            (b + "ls2.gamma", [c], values(c, scale: 0.2, offset: 0.5)),
        ]
        // safetensors: u64 LE header length, JSON header {name: {dtype, shape, data_offsets}}, raw data.
        var header: [String: Any] = [:], offset = 0
        for (name, shape, v) in tensors {
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * v.count]]
            offset += 4 * v.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, _, v) in tensors { v.withUnsafeBytes { data.append(contentsOf: $0) } }   // host is little-endian
        try data.write(to: URL(fileURLWithPath: path))
    }
}
