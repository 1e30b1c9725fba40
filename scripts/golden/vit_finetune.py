#!/usr/bin/env python3
"""Golden numbers for fine-tuning the top of a vision transformer (torch autograd in float64).

Command (from the repository root; needs torch (CPU) and numpy only):
    python3 scripts/golden/vit_finetune.py
Seeds: weights torch.Generator(seed) per case (below, through scripts/reference/vit.py); tokens, labels and the
classifier from torch.Generator(500 + case index).

Each case is a small seeded ViT written in a checkpoint layout Thaw reads, and the trained top run on cached
tokens x [N, T, C] of `from` (blocks.K, or embeddings): blocks first…L−1, final norm, the family's pooling, a
linear classifier `fc` [K, poolWidth], mean cross-entropy against `labels`:
  vit_ft_dinov2_reg  timm keys (fused qkv), LayerScale, 4 registers, GELU, pool = class ⊕ patch mean; from blocks.0
  vit_ft_clip        Hugging Face CLIPVisionModelWithProjection keys (q/k/v/out_proj), QuickGELU, eps 1e-5,
                     pool = projection of the class token (the projection trains); from blocks.0
  vit_ft_deit        timm keys, no LayerScale, GELU, pool = class token; from embeddings (every block trains);
                     its ImageNet `head` is in the file and left out
Writes Tests/ThawFineTuneTests/Fixtures/<case>.safetensors (the weights) and <case>.bin / <case>.json in the
format of scripts/golden/finetune.py: x, logits, loss, dx (d loss / d x), param.fc.*, and grad.<key> for every
trained tensor under the file's own key (timm's fused qkv gradient is the three concatenated).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from vit import Spec, block, pool, seeded_parameters, state_dict, write_safetensors  # noqa: E402
from fixture_file import FixtureFile  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "ThawFineTuneTests", "Fixtures")

# name → (spec, layout, family, seed, first trained block, N, T, classes)
CASES = {
    "vit_ft_dinov2_reg": (Spec(32, 3, 4, 64, 14, 2, registers=4, layer_scale=True, pooling="class-and-patch-mean",
                               class_position=False), "timm", "dinov2", 21, 1, 3, 1 + 4 + 9, 5),
    "vit_ft_clip": (Spec(32, 2, 4, 64, 16, 2, pre_norm=True, patch_bias=False, projection=24, activation="quick-gelu",
                         eps=1e-5), "hf-clip", "clip", 22, 1, 3, 1 + 9, 4),
    "vit_ft_deit": (Spec(32, 2, 4, 64, 16, 2, classifier=10), "timm", "deit", 23, 0, 2, 1 + 16, 3),
}


def trained_keys(spec, first, layout):
    """Keys of the trained tensors in `layout`: blocks first…, the final norm, CLIP's projection."""
    names = set(state_dict(spec, seeded_parameters(spec, 0), layout))
    prefixes = {"timm": "blocks.{}.", "hf-clip": "vision_model.encoder.layers.{}."}[layout]
    keep = [k for k in names if any(k.startswith(prefixes.format(n)) for n in range(first, spec.depth))]
    keep += {"timm": ["norm.weight", "norm.bias"], "hf-clip": ["vision_model.post_layernorm.weight",
                                                               "vision_model.post_layernorm.bias", "visual_projection.weight"]}[layout]
    return sorted(keep)


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    for index, (name, (spec, layout, family, seed, first, n, t, classes)) in enumerate(CASES.items()):
        P32 = seeded_parameters(spec, seed)
        write_safetensors(state_dict(spec, P32, layout), os.path.join(OUT, name + ".safetensors"))
        g = torch.Generator().manual_seed(500 + index)
        x32 = (torch.randn(n, t, spec.width, generator=g, dtype=torch.float64)).float()
        labels = torch.randint(0, classes, (n,), generator=g)
        width = spec.projection or (2 * spec.width if spec.pooling == "class-and-patch-mean" else spec.width)
        fc_w = (torch.randn(classes, width, generator=g, dtype=torch.float64) / width ** 0.5).float()
        fc_b = (torch.randn(classes, generator=g, dtype=torch.float64) * 0.1).float()

        P = {k: v.double().requires_grad_(True) for k, v in P32.items()}
        x = x32.double().requires_grad_(True)
        W, B = fc_w.double().requires_grad_(True), fc_b.double().requires_grad_(True)
        h = x
        for k in range(first, spec.depth):
            h = block(spec, P, k, h)
        logits = F.linear(pool(spec, P, h)["pool"], W, B)
        loss = F.cross_entropy(logits, labels)
        loss.backward()

        # Gradients under the file's keys: the layout's renaming (and timm's qkv concatenation) applied to them.
        grads = state_dict(spec, {k: (v.grad if v.grad is not None else torch.zeros_like(v)) for k, v in P.items()}, layout)
        w = FixtureFile(OUT, name, newline=True)
        w.meta = {"layout": layout, "family": family, "first_block": first, "from": f"blocks.{first - 1}" if first else "embeddings",
                  "labels": labels.tolist(), "classes": classes, "pool_width": width, "depth": spec.depth,
                  "weights": name + ".safetensors", "trained": trained_keys(spec, first, layout),
                  "command": "python3 scripts/golden/vit_finetune.py"}
        w.add("x", x32)
        w.add("param.fc.weight", fc_w)
        w.add("param.fc.bias", fc_b)
        w.add("logits", logits)
        w.add("loss", loss.reshape(1))
        w.add("dx", x.grad)
        w.add("grad.fc.weight", W.grad)
        w.add("grad.fc.bias", B.grad)
        for k in w.meta["trained"]:
            w.add("grad." + k, grads[k])
        w.save()


if __name__ == "__main__":
    main()
