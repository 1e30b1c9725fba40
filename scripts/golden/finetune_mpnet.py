#!/usr/bin/env python3
"""Golden numbers for fine-tuning MPNet layers in ThawFineTune (torch autograd in float64).

Command (from the repository root):
    python3 scripts/golden/finetune_mpnet.py
Needs torch and numpy only (transformers is not needed: the reference below is pure torch, and is
checked here against what `transformers.MPNetModel` computed for scripts/golden/mpnet.py). Seed:
20261203 (torch.manual_seed) for the classifier and the third row.

The model is the seeded small MPNet of Tests/ThawBackbonesTests/Fixtures/mpnet/seeded (C=32, 4 heads,
I=64, 3 layers, 32 relative buckets, LayerNorm eps 1e-5, MPNetModel key names). Its hidden states after
layer 0 (`seeded_hidden_1.bin`, rows of 140 and 90 tokens) are the cached `layer.0`; layers 1 and 2 train:

  mpnet_step  x [3, 140, 32]: the two fixture rows (token counts 140 and 90) and the second row again cut
              to 7 tokens; relative distances reach 139, past the 128 the buckets cover, and rows carry
              padding. Each layer adds the relative position bias of the one shared table
              (`encoder.relative_attention_bias.weight` [32, 4]; T5 buckets as MPNetEncoder), padding keys
              get finfo(float32).min as Hugging Face's extended mask. Then masked mean pool + L2
              normalise + linear 32→5 (`_fc`), cross-entropy with labels [1, 3, 4].
              Dumps x, logits, loss, every parameter, its gradient (the table's gradient is the sum over
              both trained layers), and dx. The script first checks that the reference's layers 1–2 on
              the fixture's hidden_1 give transformers' hidden_3 and pool (float32 files) to 1e-5.
Writes Tests/ThawFineTuneTests/Fixtures/mpnet_step.bin (little-endian float32, arrays back to back) and
mpnet_step.json: {"arrays": {name: {"shape", "offset"}}, "meta": {...}} (offset in floats).
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F
from fixture_file import FixtureFile  # noqa: E402

torch.manual_seed(20261203)
DT = torch.float64
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIXTURE = os.path.join(ROOT, "Tests", "ThawBackbonesTests", "Fixtures", "mpnet")
OUT = os.path.join(ROOT, "Tests", "ThawFineTuneTests", "Fixtures")
C, H, I, EPS, BUCKETS, MAX_DISTANCE = 32, 4, 64, 1e-5, 32, 128


def read_safetensors(path):
    """The F32 tensors of a safetensors file (u64 header length, JSON header, data)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__" or v["dtype"] != "F32":
            continue
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(v["shape"]).copy()).to(DT)
    return out


def relative_position_bucket(relative_position, num_buckets=BUCKETS, max_distance=MAX_DISTANCE):
    """Hugging Face's MPNetEncoder.relative_position_bucket (T5's bidirectional buckets)."""
    ret = 0
    n = -relative_position
    num_buckets //= 2
    ret += (n < 0).to(torch.long) * num_buckets
    n = torch.abs(n)
    max_exact = num_buckets // 2
    is_small = n < max_exact
    val_if_large = max_exact + (torch.log(n.float() / max_exact) / math.log(max_distance / max_exact)
                                * (num_buckets - max_exact)).to(torch.long)
    val_if_large = torch.min(val_if_large, torch.full_like(val_if_large, num_buckets - 1))
    return ret + torch.where(is_small, n, val_if_large)


def position_bias(table, t):
    """[1, H, T, T]: table[bucket(j − i), h] (MPNetEncoder.compute_position_bias)."""
    pos = torch.arange(t)
    buckets = relative_position_bucket(pos[None, :] - pos[:, None])
    return table[buckets].permute(2, 0, 1)[None]


def layer(x, counts, p, n, bias):
    """One MPNetLayer: post-LN attention (q, k, v, o) with the score bias, then the GELU feed-forward."""
    pre = f"encoder.layer.{n}."
    b, t, _ = x.shape
    lin = lambda v, k: v @ p[pre + k + ".weight"].T + p[pre + k + ".bias"]
    heads = lambda v: v.view(b, t, H, C // H).transpose(1, 2)
    q, k, v = heads(lin(x, "attention.attn.q")), heads(lin(x, "attention.attn.k")), heads(lin(x, "attention.attn.v"))
    keep = torch.arange(t)[None, :] < torch.tensor(counts)[:, None]            # [B, T]
    add = torch.zeros(b, 1, 1, t, dtype=DT).masked_fill(~keep[:, None, None, :], torch.finfo(torch.float32).min)
    s = q @ k.transpose(-1, -2) / math.sqrt(C // H) + bias + add
    ctx = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, C)
    h = F.layer_norm(x + lin(ctx, "attention.attn.o"), (C,), p[pre + "attention.LayerNorm.weight"],
                     p[pre + "attention.LayerNorm.bias"], EPS)
    f = F.gelu(lin(h, "intermediate.dense"))
    return F.layer_norm(h + lin(f, "output.dense"), (C,), p[pre + "output.LayerNorm.weight"], p[pre + "output.LayerNorm.bias"], EPS)


def top(x, counts, p):
    """Layers 1–2 of the seeded MPNet, then the masked mean (and its L2 normalisation)."""
    bias = position_bias(p["encoder.relative_attention_bias.weight"], x.shape[1])
    h = layer(layer(x, counts, p, 1, bias), counts, p, 2, bias)
    keep = (torch.arange(x.shape[1])[None, :] < torch.tensor(counts)[:, None]).to(DT)
    mean = (h * keep[:, :, None]).sum(1) / keep.sum(1, keepdim=True)
    return h, F.normalize(mean, dim=1)


def fixture(name):
    shape = json.load(open(os.path.join(FIXTURE, "seeded.json")))["shapes"][name]
    return torch.from_numpy(np.fromfile(os.path.join(FIXTURE, f"seeded_{name}.bin"), dtype="<f4").reshape(shape)).to(DT)


def mpnet_step():
    weights = read_safetensors(os.path.join(FIXTURE, "seeded", "model.safetensors"))
    weights = {k[len("mpnet."):] if k.startswith("mpnet.") else k: v for k, v in weights.items()}
    keys = ["encoder.relative_attention_bias.weight"] + sorted(k for k in weights if k.startswith(("encoder.layer.1.", "encoder.layer.2.")))
    p = {k: weights[k].clone() for k in keys}
    hidden1, hidden3, pool = fixture("hidden_1"), fixture("hidden_3"), fixture("pool")
    mask = torch.tensor(json.load(open(os.path.join(FIXTURE, "seeded.json")))["mask"])
    counts2 = mask.sum(1).tolist()
    # The reference against transformers.MPNetModel (float32 files written from float64).
    with torch.no_grad():
        h, pooled = top(hidden1, counts2, p)
    for r, n in enumerate(counts2):
        err = (h[r, :n] - hidden3[r, :n]).abs().max().item()
        assert err < 1e-5, f"layer 2 output of row {r} differs from MPNetModel's by {err}"
    assert (pooled - pool).abs().max().item() < 1e-5, "pool differs from MPNetModel's"
    print("reference matches MPNetModel: hidden_3 and pool within 1e-5")

    counts = counts2 + [7]
    labels = torch.tensor([1, 3, 4])
    x = torch.cat([hidden1, hidden1[1:2]], 0).clone().requires_grad_(True)
    p["_fc.weight"] = (torch.randn(5, C) / math.sqrt(C)).to(torch.float32).to(DT)
    p["_fc.bias"] = (torch.randn(5) * 0.1).to(torch.float32).to(DT)
    for v in p.values():
        v.requires_grad_(True)
    _, pooled = top(x, counts, p)
    logits = pooled @ p["_fc.weight"].T + p["_fc.bias"]
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    c = FixtureFile(OUT, "mpnet_step")
    buckets = relative_position_bucket(torch.arange(x.shape[1])[None, :] - torch.arange(x.shape[1])[:, None])
    c.meta = {"counts": counts, "labels": labels.tolist(), "channels": C, "heads": H, "intermediate": I, "eps": EPS,
              "boundary": 0, "trained_layers": [1, 2], "classes": 5, "buckets": BUCKETS,
              "buckets_used": sorted(set(buckets.flatten().tolist()))}
    c.add("x", x); c.add("logits", logits); c.add("loss", loss.reshape(1)); c.add("dx", x.grad)
    for k, v in p.items():
        c.add("param." + k, v); c.add("grad." + k, v.grad)
    c.save()


if __name__ == "__main__":
    mpnet_step()
