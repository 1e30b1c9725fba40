"""Golden fixtures for Thaw's ConvNeXt: small seeded ConvNeXts in the timm, torchvision and
facebookresearch key layouts with every cut point from the pure-torch reference of scripts/reference/convnext.py.

Command (from the repository root; needs torch (CPU) and numpy only):
    python3 scripts/golden/convnext.py
    python3 scripts/golden/convnext.py --tiny /tmp/convnext-tiny-seeded.safetensors   # also a full-size seeded ConvNeXt-T (timm keys, seed 2026)
Seeds: weights torch.Generator(seed) per case (below); inputs torch.Generator(2000 + case index), uniform in [−2, 2).

Writes Tests/ThawBackbonesTests/Fixtures/convnext/ (≈ 0.4 MB): manifest.json, <case>.safetensors | .pth,
<case>/<H>x<W>/input.bin [N, H, W, 3] and <tap>.bin (maps NHWC, vectors NC), raw little-endian float32.
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
from convnext import forward, seeded_parameters, state_dict  # noqa: E402
from vit import write_safetensors  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "ThawBackbonesTests", "Fixtures", "convnext")
DIMS, DEPTHS = [8, 16, 24, 32], [1, 1, 2, 1]
# name → (layout, classes, extension, seed, input sizes)
CASES = {
    "timm": ("timm", 10, "safetensors", 21, [(64, 64), (70, 45)]),
    "torchvision": ("torchvision", 10, "pth", 22, [(64, 64)]),
    "official": ("official", None, "safetensors", 23, [(96, 64)]),
}


def f32(a):
    return np.ascontiguousarray(a.detach().to(torch.float32).numpy(), dtype="<f4")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", help="also write a seeded full-size ConvNeXt-T (timm keys, ImageNet classifier) here")
    args = parser.parse_args()
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    manifest = {"format": "raw little-endian float32, row-major; maps NHWC, vectors NC",
                "command": "python3 scripts/golden/convnext.py", "dims": DIMS, "depths": DEPTHS, "cases": []}
    for index, (name, (layout, classes, ext, seed, sizes)) in enumerate(CASES.items()):
        P = seeded_parameters(DIMS, DEPTHS, classes, seed)
        sd = state_dict(DIMS, DEPTHS, P, layout)
        weights = f"{name}.{ext}"
        if ext == "safetensors":
            write_safetensors(sd, os.path.join(OUT, weights))
        else:
            torch.save(sd, os.path.join(OUT, weights))
        g = torch.Generator().manual_seed(2000 + index)
        inputs = []
        for (h, w) in sizes:
            x = (torch.rand(2, h, w, 3, generator=g, dtype=torch.float64) * 4 - 2).float()
            folder = f"{name}/{h}x{w}"
            os.makedirs(os.path.join(OUT, folder), exist_ok=True)
            f32(x).tofile(os.path.join(OUT, folder, "input.bin"))
            with torch.inference_mode():
                taps = forward(DIMS, DEPTHS, P, x)
            entries = []
            for tap, t in taps.items():
                a = f32(t)
                a.tofile(os.path.join(OUT, folder, f"{tap}.bin"))
                entries.append({"name": tap, "file": f"{folder}/{tap}.bin", "shape": list(a.shape), "max_abs": float(np.abs(a).max())})
            inputs.append({"input": {"file": f"{folder}/input.bin", "shape": list(x.shape)}, "taps": entries})
        manifest["cases"].append({"name": name, "weights": weights, "layout": layout, "classes": classes, "inputs": inputs})
        print(f"{name}: {len(sd)} tensors, inputs {sizes}")
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    if args.tiny:
        dims, depths = [96, 192, 384, 768], [3, 3, 9, 3]
        write_safetensors(state_dict(dims, depths, seeded_parameters(dims, depths, 1000, 2026), "timm"), args.tiny,
                          metadata={"note": "seeded random weights (scripts/golden/convnext.py --tiny), not a trained model"})
        print(f"wrote {args.tiny}")


if __name__ == "__main__":
    main()
