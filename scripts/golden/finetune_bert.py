#!/usr/bin/env python3
"""Golden numbers for fine-tuning BERT layers in ThawFineTune (torch autograd in float64).

Command (from the repository root):
    python3 scripts/golden/finetune_bert.py
Seed: 20261130 (torch.manual_seed). Needs torch; the tests only read the files written here.

Seeded weights (C=32, 4 heads, I=64, LayerNorm eps 1e-12, Hugging Face key names):
  bert_layer  one post-LN BERT layer (encoder.layer.5), x [2, 6, 32], token counts [6, 4]
              (additive key mask of finfo.min, as Hugging Face), loss = sum(y * dy);
              dumps x, dy, y, dx, every parameter and its gradient.
  bert_step   encoder.layer.4 and .5 + masked mean pool + L2 normalise + linear 32→5 (`_fc`),
              cross-entropy over x [3, 6, 32] (counts [6, 2, 5]); logits, loss, every gradient,
              then one AdamW step (lr 1e-3 for the classifier, lr·0.8^d for the layer d below it,
              betas 0.9/0.999, eps 1e-8, weight decay 0.01 on linear weights only) and the updated parameters.
Each case writes Tests/ThawFineTuneTests/Fixtures/<case>.bin (little-endian float32, arrays back
to back) and <case>.json: {"arrays": {name: {"shape", "offset"}}, "meta": {...}} (offset in floats).
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from fixture_file import FixtureFile  # noqa: E402

torch.manual_seed(20261130)
DT = torch.float64
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawFineTuneTests", "Fixtures")
C, H, I, EPS = 32, 4, 64, 1e-12


def f32(*shape, scale=1.0, offset=0.0):
    return (torch.randn(*shape) * scale + offset).to(torch.float32).to(DT)


def layer_params(p, n):
    pre = f"encoder.layer.{n}."
    for name, out, inp in [("attention.self.query", C, C), ("attention.self.key", C, C), ("attention.self.value", C, C),
                           ("attention.output.dense", C, C), ("intermediate.dense", I, C), ("output.dense", C, I)]:
        p[pre + name + ".weight"] = f32(out, inp, scale=1 / math.sqrt(inp))
        p[pre + name + ".bias"] = f32(out, scale=0.1)
    for name in ["attention.output.LayerNorm", "output.LayerNorm"]:
        p[pre + name + ".weight"] = f32(C, scale=0.1, offset=1.0)
        p[pre + name + ".bias"] = f32(C, scale=0.1)


def layer(x, counts, p, n):
    pre = f"encoder.layer.{n}."
    b, t, _ = x.shape
    lin = lambda v, k: v @ p[pre + k + ".weight"].T + p[pre + k + ".bias"]
    heads = lambda v: v.view(b, t, H, C // H).transpose(1, 2)
    q, k, v = heads(lin(x, "attention.self.query")), heads(lin(x, "attention.self.key")), heads(lin(x, "attention.self.value"))
    keep = torch.arange(t)[None, :] < torch.tensor(counts)[:, None]            # [B, T]
    add = torch.zeros(b, 1, 1, t, dtype=DT).masked_fill(~keep[:, None, None, :], torch.finfo(torch.float32).min)
    s = q @ k.transpose(-1, -2) / math.sqrt(C // H) + add
    ctx = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, C)
    a = x + lin(ctx, "attention.output.dense")
    h = F.layer_norm(a, (C,), p[pre + "attention.output.LayerNorm.weight"], p[pre + "attention.output.LayerNorm.bias"], EPS)
    f = F.gelu(lin(h, "intermediate.dense"))
    return F.layer_norm(h + lin(f, "output.dense"), (C,), p[pre + "output.LayerNorm.weight"], p[pre + "output.LayerNorm.bias"], EPS)


def bert_layer():
    p = {}
    layer_params(p, 5)
    for v in p.values():
        v.requires_grad_(True)
    counts = [6, 4]
    x = f32(2, 6, C).requires_grad_(True)
    dy = f32(2, 6, C)
    y = layer(x, counts, p, 5)
    (y * dy).sum().backward()
    c = FixtureFile(OUT, "bert_layer")
    c.meta = {"counts": counts, "channels": C, "heads": H, "intermediate": I, "layer": 5}
    c.add("x", x); c.add("dy", dy); c.add("y", y); c.add("dx", x.grad)
    for k, v in p.items():
        c.add("param." + k, v); c.add("grad." + k, v.grad)
    c.save()


def bert_step():
    p = {}
    layer_params(p, 4)
    layer_params(p, 5)
    p["_fc.weight"] = f32(5, C, scale=1 / math.sqrt(C))
    p["_fc.bias"] = f32(5, scale=0.1)
    for v in p.values():
        v.requires_grad_(True)
    counts = [6, 2, 5]
    labels = torch.tensor([1, 4, 0])
    x = f32(3, 6, C)
    c = FixtureFile(OUT, "bert_step")
    c.meta = {"counts": counts, "labels": labels.tolist(), "channels": C, "heads": H, "intermediate": I,
              "boundary": 3, "lr": 1e-3, "layer_decay": 0.8, "weight_decay": 0.01, "classes": 5}
    c.add("x", x)
    for k, v in p.items():
        c.add("param." + k, v)
    h = layer(layer(x, counts, p, 4), counts, p, 5)
    keep = (torch.arange(6)[None, :] < torch.tensor(counts)[:, None]).to(DT)
    mean = (h * keep[:, :, None]).sum(1) / keep.sum(1, keepdim=True)
    logits = F.normalize(mean, dim=1) @ p["_fc.weight"].T + p["_fc.bias"]
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    c.add("logits", logits); c.add("loss", loss.reshape(1))
    for k, v in p.items():
        c.add("grad." + k, v.grad)
    groups = []
    for k, v in p.items():
        depth = 2 if k.startswith("encoder.layer.4.") else 1 if k.startswith("encoder.layer.5.") else 0
        decays = k.endswith(".weight") and "LayerNorm" not in k
        groups.append({"params": [v], "lr": 1e-3 * 0.8 ** depth, "weight_decay": 0.01 if decays else 0.0})
    opt = torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    for k, v in p.items():
        c.add("updated." + k, v)
    c.save()


if __name__ == "__main__":
    bert_layer()
    bert_step()
