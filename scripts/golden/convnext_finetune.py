#!/usr/bin/env python3
"""Golden numbers for ThawFineTune's ConvNeXt top (torch autograd in float64).

Command (from the repository root):
    python3 scripts/golden/convnext_finetune.py
Seeds: weights from scripts/reference/convnext.py's seeded_parameters (seed per case, below); inputs and labels
torch.Generator(3000 + case index). Needs torch and numpy; the tests only read the files written here.

The trained part is stages K…3 of a small ConvNeXt (dims 8-16-24-32, depths 1-1-2-1; each stage ≥ 1 opened by
LN + conv 2×2 s2; block: dwconv 7×7 → LN → fc1 → GELU (erf) → fc2 → layer scale γ → residual; drop-path off),
then global mean → LN → a new linear classifier (5 classes), mean cross-entropy. Cases:
  convnext_top_timm      timm keys, from stages.1 maps [2, 9, 7, 16] (stages 2–3 train; 9×7 → 4×3 → 2×1: floors)
  convnext_top_tv_stem   torchvision keys (layer_scale [C,1,1]), from stem maps [2, 8, 8, 8] (all four stages train)
Each dumps x (NHWC), labels, logits, loss, every trained parameter ("param.<key>", PyTorch layout, the file's key),
its gradient ("grad.<key>") and the input gradient dx (NHWC); meta holds every tensor shape of the full state dict
("shapes": what the loader reads widths and depths from), the layout, the first trained stage and the sizes.
Files: Tests/ThawFineTuneTests/Fixtures/<case>.bin (little-endian float32, arrays back to back) and <case>.json
({"arrays": {name: {"shape", "offset"}}, "meta": {...}}, offsets in floats).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from convnext import seeded_parameters, state_dict  # noqa: E402
from fixture_file import FixtureFile  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "ThawFineTuneTests", "Fixtures")
DIMS, DEPTHS, CLASSES = [8, 16, 24, 32], [1, 1, 2, 1], 5
# name → (layout, first trained stage, input [N, H, W], weight seed)
CASES = {
    "convnext_top_timm": ("timm", 2, (2, 9, 7), 31),
    "convnext_top_tv_stem": ("torchvision", 0, (2, 8, 8), 32),
}


def trained_keys(first):
    """Internal names (scripts/reference/convnext.py) of the parameters that train from stage `first` up."""
    keys = []
    for i in range(first, 4):
        if i > 0:
            keys += [f"down{i}.norm.weight", f"down{i}.norm.bias", f"down{i}.weight", f"down{i}.bias"]
        for j in range(DEPTHS[i]):
            b = f"s{i}.b{j}."
            keys += [b + n for n in ("dw.weight", "dw.bias", "norm.weight", "norm.bias", "fc1.weight", "fc1.bias",
                                     "fc2.weight", "fc2.bias", "gamma")]
    return keys + ["head_norm.weight", "head_norm.bias", "fc.weight", "fc.bias"]


def top(P, x_nhwc, first):
    """logits of stages first…3 + head over maps x [N, H, W, C] (float64)."""
    def ln_channels(t, key):
        return F.layer_norm(t.permute(0, 2, 3, 1), (t.shape[1],), P[key + ".weight"], P[key + ".bias"], 1e-6).permute(0, 3, 1, 2)

    x = x_nhwc.permute(0, 3, 1, 2)
    for i in range(first, 4):
        if i > 0:
            x = F.conv2d(ln_channels(x, f"down{i}.norm"), P[f"down{i}.weight"], P[f"down{i}.bias"], stride=2)
        for j in range(DEPTHS[i]):
            b = f"s{i}.b{j}."
            y = F.conv2d(x, P[b + "dw.weight"], P[b + "dw.bias"], padding=3, groups=x.shape[1]).permute(0, 2, 3, 1)
            y = F.layer_norm(y, (y.shape[-1],), P[b + "norm.weight"], P[b + "norm.bias"], 1e-6)
            y = F.linear(F.gelu(F.linear(y, P[b + "fc1.weight"], P[b + "fc1.bias"])), P[b + "fc2.weight"], P[b + "fc2.bias"])
            x = x + (y * P[b + "gamma"]).permute(0, 3, 1, 2)
    pool = F.layer_norm(x.mean(dim=(2, 3)), (x.shape[1],), P["head_norm.weight"], P["head_norm.bias"], 1e-6)
    return F.linear(pool, P["fc.weight"], P["fc.bias"])


def main():
    torch.set_num_threads(2)
    for index, (name, (layout, first, (n, h, w), seed)) in enumerate(CASES.items()):
        P32 = seeded_parameters(DIMS, DEPTHS, CLASSES, seed)
        P = {k: v.double().requires_grad_(k in trained_keys(first)) for k, v in P32.items()}
        g = torch.Generator().manual_seed(3000 + index)
        c = DIMS[max(first - 1, 0)]
        x = torch.randn(n, h, w, c, generator=g, dtype=torch.float64).float().double().requires_grad_(True)
        labels = torch.randint(0, CLASSES, (n,), generator=g)
        logits = top(P, x, first)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        full = state_dict(DIMS, DEPTHS, P32, layout)                       # every key of the file, layout names
        trained = set(trained_keys(first))
        values = state_dict(DIMS, DEPTHS, {k: P32[k] if k in trained else torch.zeros_like(P32[k]) for k in P32}, layout)
        grads = state_dict(DIMS, DEPTHS, {k: (P[k].grad if k in trained else torch.zeros_like(P[k])) for k in P}, layout)
        # A key trains when its internal tensor does: find them by mapping a marker through the layout.
        marks = state_dict(DIMS, DEPTHS, {k: torch.full_like(P32[k], 1.0 if k in trained else 0.0) for k in P32}, layout)
        wr = FixtureFile(OUT, name, newline=True)
        for key in full:
            if bool(marks[key].flatten()[0] == 1):
                wr.add("param." + key, values[key])
                wr.add("grad." + key, grads[key])
        wr.add("x", x)
        wr.add("labels", labels.double())
        wr.add("logits", logits)
        wr.add("dx", x.grad)
        wr.meta = {"layout": layout, "first_stage": first, "batch": n, "height": h, "width": w, "classes": CLASSES,
                   "loss": loss.item(), "shapes": {k: list(v.shape) for k, v in full.items()},
                   "command": "python3 scripts/golden/convnext_finetune.py"}
        wr.save()


if __name__ == "__main__":
    main()
