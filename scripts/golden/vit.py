"""Golden fixtures for Thaw's vision transformer: small seeded ViTs written in every key layout Thaw reads
(timm, DINOv2 repository, Hugging Face Dinov2Model, Hugging Face CLIPVisionModelWithProjection inside a
CLIPModel-style file) with every cut point from the pure-torch reference of scripts/reference/vit.py,
including position-embedding interpolation to other input sizes by each library's own rule.

Command (from the repository root; needs torch (CPU) and numpy only):
    python3 scripts/golden/vit.py
    python3 scripts/golden/vit.py --vits14 /tmp/vit-s14-seeded.safetensors   # also a full-size seeded ViT-S/14 (timm keys)
Seeds: model weights torch.Generator(seed) per case (below); inputs torch.Generator(1000 + case index), uniform in [−2, 2).

Writes Tests/ThawBackbonesTests/Fixtures/vit/ (≈ 3 MB):
  manifest.json               cases: weights file, layout, architecture, inputs and taps (shape, max_abs)
  <case>.safetensors | .pth   the seeded weights in that case's layout
  <case>/<input>/input.bin    [N, H, W, 3] NHWC float32 LE
  <case>/<input>/<tap>.bin    embeddings, blocks.K: [N, T, C]; cls: [N, C]; pool: [N, poolWidth]
References run in float64 from the float32 weights and inputs, then are rounded to float32.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from vit import Spec, forward, seeded_parameters, state_dict, write_safetensors  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "ThawBackbonesTests", "Fixtures", "vit")

# name → (spec, layout, resample rule, family, file extension, seed, input sizes (H, W)).
# Depth 2, width 32, 4 heads (head size 8), MLP 128 (but the two wide cases); grids of 4×4 patches, so 56/64 px inputs need no
# interpolation and the others are resized (up, down, and not square).
CASES = {
    "timm_dinov2_reg": (Spec(32, 2, 4, 128, 14, 4, registers=4, layer_scale=True, pooling="class-and-patch-mean",
                             class_position=False), "timm", "timm", "dinov2", "safetensors", 11, [(56, 56), (70, 70), (42, 56)]),
    "repo_dinov2_reg": (Spec(32, 2, 4, 128, 14, 4, registers=2, layer_scale=True, pooling="class-and-patch-mean"),
                        "dinov2-repository", "dinov2-repository", "dinov2", "pth", 12, [(70, 70), (56, 84)]),
    "hf_dinov2": (Spec(32, 2, 4, 128, 14, 4, layer_scale=True, pooling="class-and-patch-mean", classifier=5),
                  "hf-dinov2", "hf", "dinov2", "safetensors", 13, [(56, 56), (70, 70), (42, 42)]),
    "timm_clip": (Spec(32, 2, 4, 128, 16, 4, pre_norm=True, patch_bias=False, projection=24, activation="quick-gelu",
                       eps=1e-5), "timm", "timm", "clip", "safetensors", 14, [(64, 64), (80, 80)]),
    "hf_clip": (Spec(32, 2, 4, 128, 16, 4, pre_norm=True, patch_bias=False, projection=24, activation="quick-gelu",
                     eps=1e-5), "hf-clip", "hf", "clip", "safetensors", 15, [(64, 64), (48, 80)]),
    "timm_deit": (Spec(32, 2, 4, 128, 16, 4, classifier=10), "timm", "timm", "deit", "pth", 16, [(64, 64), (96, 96)]),
    # Width 128 in heads of 64: every linear layer and the attention core on the AVX-512 panel kernel where the
    # CPU has it (`PanelLinear`, `PanelAttentionCore`); token rows 21, 30 and 17 leave every row-block tail.
    "timm_dinov2_wide": (Spec(128, 2, 2, 256, 14, 4, registers=4, layer_scale=True, pooling="class-and-patch-mean",
                              class_position=False), "timm", "timm", "dinov2", "safetensors", 17, [(56, 56), (70, 70), (42, 56)]),
    "timm_clip_wide": (Spec(128, 2, 2, 256, 16, 4, pre_norm=True, patch_bias=False, projection=24, activation="quick-gelu",
                            eps=1e-5), "timm", "timm", "clip", "safetensors", 18, [(64, 64), (48, 80)]),
}


def f32(a):
    return np.ascontiguousarray(a.detach().to(torch.float32).numpy(), dtype="<f4")


def write(rel, array):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    array.tofile(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vits14", help="also write a seeded full-size ViT-S/14 (DINOv2 shape, timm keys, 16×16 grid) here")
    args = parser.parse_args()
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    manifest = {"format": "raw little-endian float32, row-major; images NHWC, tokens [N, T, C], vectors [N, C]",
                "command": "python3 scripts/golden/vit.py", "cases": []}
    for index, (name, (spec, layout, rule, family, ext, seed, sizes)) in enumerate(CASES.items()):
        P = seeded_parameters(spec, seed)
        sd = state_dict(spec, P, layout)
        weights = f"{name}.{ext}"
        if ext == "safetensors":
            write_safetensors(sd, os.path.join(OUT, weights))
        else:
            torch.save(sd, os.path.join(OUT, weights))
        g = torch.Generator().manual_seed(1000 + index)
        inputs = []
        for (h, w) in sizes:
            x = (torch.rand(2, h, w, 3, generator=g, dtype=torch.float64) * 4 - 2).float()
            folder = f"{name}/{h}x{w}"
            write(f"{folder}/input.bin", f32(x))
            with torch.inference_mode():
                taps = forward(spec, P, x, rule)
            entries = []
            for tap, t in taps.items():
                a = f32(t)
                write(f"{folder}/{tap}.bin", a)
                entries.append({"name": tap, "file": f"{folder}/{tap}.bin", "shape": list(a.shape), "max_abs": float(np.abs(a).max())})
            inputs.append({"input": {"file": f"{folder}/input.bin", "shape": list(x.shape)}, "taps": entries})
        manifest["cases"].append({
            "name": name, "weights": weights, "layout": layout, "family": family, "resample": rule,
            "architecture": {k: v for k, v in spec.__dict__.items()}, "inputs": inputs})
        print(f"{name}: {layout}, {len(sd)} tensors, inputs {sizes}")
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    if args.vits14:
        spec = Spec(384, 12, 6, 1536, 14, 16, layer_scale=True, pooling="class-and-patch-mean")
        write_safetensors(state_dict(spec, seeded_parameters(spec, 2026), "timm"), args.vits14,
                          metadata={"note": "seeded random weights (scripts/golden/vit.py --vits14), not a trained model"})
        print(f"wrote {args.vits14}")


if __name__ == "__main__":
    main()
