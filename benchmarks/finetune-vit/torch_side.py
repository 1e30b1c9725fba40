#!/usr/bin/env python3
"""PyTorch side of the ViT fine-tuning benchmark: the same trained top as `thaw finetune` of a DINOv2 ViT-S/14
cache from blocks.8 — blocks 9–11 (pre-norm, LayerScale, GELU), final norm, class ⊕ patch-mean pooling and a
linear 768 → 10 — on token maps [N, T, 384] held in RAM, AdamW (lr 1e-3, wd 0.01 on weights), global-norm
clip 1.0, 2 threads. The blocks are scripts/reference/vit.py's (the reference Thaw's gradients are checked
against), in float32 with the seeded weights of `scripts/golden/vit.py --vits14`.

    python3 benchmarks/finetune-vit/torch_side.py ROWS TOKENS BATCH EPOCHS
Prints one JSON line per epoch: {"side": "torch", "rows", "tokens", "batch", "epoch", "maps_per_s", "seconds"}.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from vit import Spec, block, pool, seeded_parameters  # noqa: E402


def main():
    rows, tokens, batch, epochs = (int(a) for a in sys.argv[1:5])
    torch.set_num_threads(2)
    spec = Spec(384, 12, 6, 1536, 14, 16, layer_scale=True, pooling="class-and-patch-mean")
    P = seeded_parameters(spec, 2026)   # the --vits14 file's weights
    trained = [k for k in P if any(k.startswith(f"blocks.{n}.") for n in (9, 10, 11))] + ["norm.weight", "norm.bias"]
    params = {k: P[k].clone().requires_grad_(True) for k in trained}
    g = torch.Generator().manual_seed(0)
    fc = torch.nn.Linear(768, 10)
    x = torch.randn(rows, tokens, 384, generator=g)
    y = torch.randint(0, 10, (rows,), generator=g)
    decay = [v for k, v in params.items() if k.endswith(".weight") and v.dim() == 2] + [fc.weight]
    other = [v for k, v in params.items() if not (k.endswith(".weight") and v.dim() == 2)] + [fc.bias]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0}], lr=1e-3)
    every = list(params.values()) + list(fc.parameters())
    for epoch in range(epochs):
        order = torch.randperm(rows, generator=g)
        start = time.perf_counter()
        for b0 in range(0, rows, batch):
            idx = order[b0:b0 + batch]
            h = x[idx]
            for n in (9, 10, 11):
                h = block(spec, params, n, h)
            loss = F.cross_entropy(fc(pool(spec, params, h)["pool"]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(every, 1.0)
            opt.step()
        seconds = time.perf_counter() - start
        print(json.dumps({"side": "torch", "rows": rows, "tokens": tokens, "batch": batch, "epoch": epoch,
                          "maps_per_s": rows / seconds, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
