import Foundation
import ThawBackbones
import ThawInputs
import ThawKernels
import ThawONNX
import ThawWeights
import XCTest

/// Vision-transformer exports in ONNX Runtime against Thaw on the real photos (224 px). No ViT weights install
/// offline: seeded checkpoints written here — a DINOv2 ViT-S/14 in timm keys (4 registers, LayerScale, GELU,
/// pool = class ⊕ patch mean, 2 blocks) and an OpenAI CLIP ViT-B/16 in Hugging Face keys (QuickGELU, ln_pre,
/// projection, 1 block) — plus the DINOv2 file with a fine-tuned classifier `fc` (what `thaw finetune --export` adds).
final class ViTExportTests: XCTestCase {
    func testHeadsOnTokensPoolAndFineTunedClassifierMatchThaw() throws {
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (pixels, n) = try RealInputs.photos(Preprocessing.named("imagenet-bicubic", resize: 256, crop: 224)!)
        let input: [String: ONNXRuntimeRunner.Input] = ["pixels": .float(pixels, shape: [n, 224, 224, 3])]
        let plain = dir.appendingPathComponent("dinov2.safetensors").path, tuned = dir.appendingPathComponent("dinov2-ft.safetensors").path
        try SafetensorsWriter.write(Self.dinov2(classes: nil), to: plain)
        try SafetensorsWriter.write(Self.dinov2(classes: 7), to: tuned)
        let clip = dir.appendingPathComponent("clip.safetensors").path
        try SafetensorsWriter.write(Self.clipHF(), to: clip)

        for (backbone, weights, tap, width) in [("dinov2-vits14", plain, "pool", 768), ("dinov2-vits14", plain, "blocks.1", 384),
                                                 ("clip-vitb16", clip, "pool", 24), ("clip-vitb16", clip, "cls", 768)] {
            let net = try ModelCatalog.named(backbone).load(weights)
            let t = try net.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil, taps: [tap])[tap]!.tensor
            let pooling = tap.hasPrefix("blocks") ? "avg" : "none"
            let head = ReferenceHead.seeded(seed: 40, inputWidth: width, classes: 5, tapDType: "f32", pooling: pooling, hidden: [],
                                            inputScale: 1 / ReferenceHead.rms(t.data))
            let model = try ONNXExport.model(backbone: backbone, weights: weights, tap: tap, head: head, classes: (0..<5).map { "c\($0)" })
            let out = try ONNXRuntimeRunner.run(model: model, inputs: input)
            let (logits, probabilities) = ReferenceHead.forward(tap: t, head: head, classes: 5)
            assertLogitsMatch(out["logits"]!.values, logits, "\(backbone) \(tap) logits")
            assertProbabilitiesMatch(out["probabilities"]!.values, probabilities, modelBytes: model.count, "\(backbone) (seeded) \(tap)")
        }
        // The fine-tuned network's own classifier.
        let net = try ModelCatalog.named("dinov2-vits14").load(tuned)
        let logits = try net.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil, taps: ["fc"])["fc"]!.tensor.data
        let model = try ONNXExport.finetunedModel(backbone: "dinov2-vits14", weights: tuned, classes: (0..<7).map { "c\($0)" })
        let out = try ONNXRuntimeRunner.run(model: model, inputs: input)
        var probabilities = logits
        Softmax.forward(&probabilities, rows: n, columns: 7)
        assertLogitsMatch(out["logits"]!.values, logits, "dinov2 fc logits")
        assertProbabilitiesMatch(out["probabilities"]!.values, probabilities, modelBytes: model.count, "dinov2-vits14 (seeded) fine-tuned fc")
    }

    static func tensor(_ name: String, _ shape: [Int], _ scale: Float, _ offset: Float = 0) -> SafetensorsWriter.Tensor {
        var state: UInt64 = 0xcbf29ce484222325   // FNV-1a of the key seeds each tensor's SplitMix64 stream
        for b in name.utf8 { state = (state ^ UInt64(b)) &* 0x100000001b3 }
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return offset + scale * (Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1)
        }
        return SafetensorsWriter.Tensor(name: name, shape: shape, values: values)
    }

    /// timm DINOv2-with-registers keys, width 384, 2 blocks, 16×16 grid; `classes`: a fine-tuned `fc` on the 2C pool.
    static func dinov2(classes: Int?) -> [SafetensorsWriter.Tensor] {
        let c = 384, m = 1536
        var out = [tensor("cls_token", [1, 1, c], 0.5), tensor("reg_token", [1, 4, c], 0.5), tensor("pos_embed", [1, 256, c], 0.5),
                   tensor("patch_embed.proj.weight", [c, 3, 14, 14], 0.1), tensor("patch_embed.proj.bias", [c], 0.1),
                   tensor("norm.weight", [c], 0.2, 1), tensor("norm.bias", [c], 0.1)]
        for n in 0..<2 {
            let b = "blocks.\(n)."
            out += [tensor(b + "norm1.weight", [c], 0.2, 1), tensor(b + "norm1.bias", [c], 0.1),
                    tensor(b + "attn.qkv.weight", [3 * c, c], 0.08), tensor(b + "attn.qkv.bias", [3 * c], 0.1),
                    tensor(b + "attn.proj.weight", [c, c], 0.08), tensor(b + "attn.proj.bias", [c], 0.1), tensor(b + "ls1.gamma", [c], 0.2, 0.5),
                    tensor(b + "norm2.weight", [c], 0.2, 1), tensor(b + "norm2.bias", [c], 0.1),
                    tensor(b + "mlp.fc1.weight", [m, c], 0.08), tensor(b + "mlp.fc1.bias", [m], 0.1),
                    tensor(b + "mlp.fc2.weight", [c, m], 0.04), tensor(b + "mlp.fc2.bias", [c], 0.1), tensor(b + "ls2.gamma", [c], 0.2, 0.5)]
        }
        if let classes { out += [tensor("fc.weight", [classes, 2 * c], 0.05), tensor("fc.bias", [classes], 0.1)] }
        return out
    }

    /// Hugging Face CLIPVisionModelWithProjection keys, width 768, 1 block, patch 16, 14×14 grid, projection 24.
    static func clipHF() -> [SafetensorsWriter.Tensor] {
        let c = 768, m = 3072, v = "vision_model.", b = "vision_model.encoder.layers.0."
        var out = [tensor(v + "embeddings.class_embedding", [c], 0.5), tensor(v + "embeddings.patch_embedding.weight", [c, 3, 16, 16], 0.05),
                   tensor(v + "embeddings.position_embedding.weight", [197, c], 0.5),
                   tensor(v + "pre_layrnorm.weight", [c], 0.2, 1), tensor(v + "pre_layrnorm.bias", [c], 0.1),
                   tensor(v + "post_layernorm.weight", [c], 0.2, 1), tensor(v + "post_layernorm.bias", [c], 0.1),
                   tensor("visual_projection.weight", [24, c], 0.05),
                   tensor(b + "layer_norm1.weight", [c], 0.2, 1), tensor(b + "layer_norm1.bias", [c], 0.1),
                   tensor(b + "layer_norm2.weight", [c], 0.2, 1), tensor(b + "layer_norm2.bias", [c], 0.1),
                   tensor(b + "mlp.fc1.weight", [m, c], 0.05), tensor(b + "mlp.fc1.bias", [m], 0.1),
                   tensor(b + "mlp.fc2.weight", [c, m], 0.03), tensor(b + "mlp.fc2.bias", [c], 0.1)]
        for k in ["q", "k", "v", "out"] {
            out += [tensor(b + "self_attn.\(k)_proj.weight", [c, c], 0.05), tensor(b + "self_attn.\(k)_proj.bias", [c], 0.1)]
        }
        return out
    }
}
