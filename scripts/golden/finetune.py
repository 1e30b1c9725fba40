#!/usr/bin/env python3
"""Golden numbers for ThawFineTune (torch autograd in float64).

Command (from the repository root):
    python3 scripts/golden/finetune.py
Seed: 20261129 (torch.manual_seed). Needs torch; the tests only read the files written here.

Cases (seeded weights, lukemelas key names, TF SAME padding, BN eps 1e-3, BN momentum 0.01):
  block_frozen  one MBConv block (k5 s1 e6 16→16, skip), BN with running statistics;
  block_train   one MBConv block (k3 s2 e6 16→24), BN with batch statistics (+ running update);
                both: loss = sum(y * dy); dumps x, dy, y, dx, every parameter and its gradient.
  step_sgd      blocks [k3 s1 e6 16→16, k5 s2 e6 16→24] + conv_head 24→32 + BN + ReLU6 + avg
                pool + linear 32→5, cross-entropy, two SGD(momentum 0.9) steps on one batch,
                BN in training mode, lr per block = lr·0.8^depth, weight decay on conv/linear weights only,
                global-norm clipping (clip = half the first step's norm, so it acts);
  step_adamw    the same with AdamW and frozen BN. (Not AdamW with batch statistics: a BN bias
                followed by a conv and a training-mode BN has an exactly zero gradient, and Adam
                turns float32 rounding noise there into full-size steps.)
Maps are dumped NHWC, weights in PyTorch layout. Each case writes
Tests/ThawFineTuneTests/Fixtures/<case>.bin (little-endian float32, arrays back to back) and
<case>.json: {"arrays": {name: {"shape", "offset"}}, "meta": {...}} (offset in floats).
"""
import math
import os

import torch
import torch.nn.functional as F
from finetune_common import DT, add_block_gradients, add_params, bn_params, f32, nhwc, trainable, two_steps  # noqa: E402
from finetune_common import bn as batch_norm  # noqa: E402
from fixture_file import FixtureFile  # noqa: E402

torch.manual_seed(20261129)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawFineTuneTests", "Fixtures")
MOMENTUM = 0.01
EPS = 1e-3


def same_pad(x, k, s):
    def amt(n):
        out = (n + s - 1) // s
        total = max((out - 1) * s + k - n, 0)
        return total // 2, total - total // 2
    t, b = amt(x.shape[2])
    l, r = amt(x.shape[3])
    return F.pad(x, (l, r, t, b))


def block_params(p, prefix, cin, cout, k, e):
    mid = cin * e
    if e != 1:
        p[prefix + "._expand_conv.weight"] = f32(mid, cin, 1, 1, scale=1 / math.sqrt(cin))
        bn_params(p, prefix + "._bn0", mid)
    p[prefix + "._depthwise_conv.weight"] = f32(mid, 1, k, k, scale=1 / k)
    bn_params(p, prefix + "._bn1", mid)
    p[prefix + "._project_conv.weight"] = f32(cout, mid, 1, 1, scale=1 / math.sqrt(mid))
    bn_params(p, prefix + "._bn2", cout)


def bn(x, p, prefix, training):
    return batch_norm(x, p, prefix, training, MOMENTUM, EPS)


def block(x, p, prefix, spec, training):
    cin, cout, k, s, e = spec
    h = x
    if e != 1:
        h = F.relu6(bn(F.conv2d(h, p[prefix + "._expand_conv.weight"]), p, prefix + "._bn0", training))
    h = F.conv2d(same_pad(h, k, s), p[prefix + "._depthwise_conv.weight"], stride=s, groups=cin * e)
    h = F.relu6(bn(h, p, prefix + "._bn1", training))
    h = bn(F.conv2d(h, p[prefix + "._project_conv.weight"]), p, prefix + "._bn2", training)
    if s == 1 and cin == cout:
        h = h + x
    return h


def block_case(name, spec, training, n, hw):
    p = {}
    block_params(p, "_blocks.12", *[spec[0], spec[1], spec[2], spec[4]])
    w = FixtureFile(OUT, name)
    add_params(w, p)
    for k in trainable(p):
        p[k].requires_grad_(True)
    x = f32(n, spec[0], hw, hw).requires_grad_(True)
    y = block(x, p, "_blocks.12", spec, training)
    dy = f32(*y.shape)
    (y * dy).sum().backward()
    add_block_gradients(w, p, x, dy, y)
    w.meta = {"spec": list(spec), "training": training, "batch": n, "size": hw, "prefix": "_blocks.12"}
    w.save()


def model_forward(x, p, specs, training):
    h = x
    for i, spec in enumerate(specs):
        h = block(h, p, "_blocks.%d" % (12 + i), spec, training)
    h = F.relu6(bn(F.conv2d(h, p["_conv_head.weight"]), p, "_bn1", training))
    h = h.mean(dim=(2, 3))
    return F.linear(h, p["_fc.weight"], p["_fc.bias"])


def step_case(name, optimizer, training):
    specs = [(16, 16, 3, 1, 6), (16, 24, 5, 2, 6)]
    head, classes, n, hw = 32, 5, 4, 8
    lr, decay = (0.05, 0.8) if optimizer == "sgd" else (0.01, 0.8)
    wd = 0.01 if optimizer == "sgd" else 0.05
    p = {}
    for i, s in enumerate(specs):
        block_params(p, "_blocks.%d" % (12 + i), s[0], s[1], s[2], s[4])
    p["_conv_head.weight"] = f32(head, 24, 1, 1, scale=1 / math.sqrt(24))
    bn_params(p, "_bn1", head)
    p["_fc.weight"] = f32(classes, head, scale=1 / math.sqrt(head))
    p["_fc.bias"] = f32(classes, scale=0.1)
    w = FixtureFile(OUT, name)
    add_params(w, p)
    x = f32(n, 16, hw, hw)
    labels = torch.tensor([0, 3, 1, 4])
    w.add("x", nhwc(x))
    w.add("labels", labels.to(DT))
    for k in trainable(p):
        p[k].requires_grad_(True)
    groups = []
    for k in trainable(p):
        depth = 0
        if k.startswith("_blocks."):
            depth = len(specs) - (int(k.split(".")[1]) - 12)
        decays = k.endswith("conv.weight") or k in ("_conv_head.weight", "_fc.weight")
        groups.append({"params": [p[k]], "lr": lr * decay ** depth, "weight_decay": wd if decays else 0.0})
    clip, losses, norms = two_steps(p, groups, optimizer, lr,
                                    lambda: F.cross_entropy(model_forward(x, p, specs, training), labels))
    for k in p:
        w.add("after." + k, p[k])
    w.meta = {"specs": [list(s) for s in specs], "head": head, "classes": classes, "batch": n, "size": hw,
              "optimizer": optimizer, "bn_training": training, "lr": lr, "layer_decay": decay, "weight_decay": wd,
              "clip": clip, "losses": losses, "norms": norms, "steps": 2}
    w.save()


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    block_case("block_frozen", (16, 16, 5, 1, 6), False, 2, 6)
    block_case("block_train", (16, 24, 3, 2, 6), True, 2, 8)
    step_case("step_sgd", "sgd", True)
    step_case("step_adamw", "adamw", False)
