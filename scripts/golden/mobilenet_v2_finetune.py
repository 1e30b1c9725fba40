#!/usr/bin/env python3
"""Golden numbers for fine-tuning MobileNetV2's top (torch autograd in float64).

Command (from the repository root):
    python3 scripts/golden/mobilenet_v2_finetune.py
Seed: 20261203 (torch.manual_seed). Needs torch only: the blocks are written here in pure torch with
torchvision's `InvertedResidual` layout and key names (torchvision itself is not needed).

A narrow MobileNetV2 top fed with cached `features.0` maps [4, 8, 8, 8]:
  features.1  t=1  8→12 s1      (no expansion: conv.0.0 depthwise, conv.0.1 BN, conv.1 project, conv.2 BN)
  features.2  t=6 12→16 s2      (conv.0.0 expand, conv.0.1, conv.1.0 depthwise, conv.1.1, conv.2 project, conv.3;
                                 symmetric padding 1 on an even size: not TF SAME)
  features.3  t=6 16→16 s1      (residual)
  features.4  1×1 conv 16→24 + BN + ReLU6 (as torchvision's last feature, 320→1280), mean pool,
  classifier.1 Linear 24→5 (torchvision's classifier; its dropout is off, as in evaluation).
BN eps 1e-5, momentum 0.1 (torchvision). Loss: mean cross-entropy on 4 labels.
Cases: mnv2_top_train (BN with batch statistics; running statistics updated) and mnv2_top_frozen (running
statistics). Each dumps x, labels, logits, dx, every parameter, every trainable gradient and the running
statistics after the step. Maps NHWC, weights in PyTorch layout. Files: Tests/ThawFineTuneTests/Fixtures/
<case>.bin (little-endian float32, arrays back to back) and <case>.json ({"arrays": {name: {"shape",
"offset"}}, "meta": {...}}, offset in floats), the format of scripts/golden/finetune.py.
"""
import math
import os

import torch
import torch.nn.functional as F
from finetune_common import DT, add_params, bn_params, f32, nhwc  # noqa: E402
from finetune_common import bn as batch_norm  # noqa: E402
from finetune_common import is_stat as running  # noqa: E402
from fixture_file import FixtureFile  # noqa: E402

torch.manual_seed(20261203)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawFineTuneTests", "Fixtures")
MOMENTUM, EPS = 0.1, 1e-5
# (features index, expand ratio t, in, out, stride)
SPECS = [(1, 1, 8, 12, 1), (2, 6, 12, 16, 2), (3, 6, 16, 16, 1)]
HEAD, CLASSES, N, HW = 24, 5, 4, 8


def keys(prefix, t):
    """torchvision InvertedResidual keys: (expand, bn0, depthwise, bn1, project, bn2)."""
    c = prefix + ".conv."
    if t == 1:
        return None, None, c + "0.0.weight", c + "0.1", c + "1.weight", c + "2"
    return c + "0.0.weight", c + "0.1", c + "1.0.weight", c + "1.1", c + "2.weight", c + "3"


def block_params(p, spec):
    i, t, cin, cout, _ = spec
    mid = cin * t
    ex, b0, dw, b1, pj, b2 = keys("features.%d" % i, t)
    if ex:
        p[ex] = f32(mid, cin, 1, 1, scale=1 / math.sqrt(cin))
        bn_params(p, b0, mid)
    p[dw] = f32(mid, 1, 3, 3, scale=1 / 3)
    bn_params(p, b1, mid)
    p[pj] = f32(cout, mid, 1, 1, scale=1 / math.sqrt(mid))
    bn_params(p, b2, cout)


def bn(x, p, prefix, training):
    return batch_norm(x, p, prefix, training, MOMENTUM, EPS)


def block(x, p, spec, training):
    i, t, cin, cout, s = spec
    ex, b0, dw, b1, pj, b2 = keys("features.%d" % i, t)
    h = x
    if ex:
        h = F.relu6(bn(F.conv2d(h, p[ex]), p, b0, training))
    h = F.relu6(bn(F.conv2d(h, p[dw], stride=s, padding=1, groups=cin * t), p, b1, training))
    h = bn(F.conv2d(h, p[pj]), p, b2, training)
    return h + x if s == 1 and cin == cout else h


def forward(x, p, training):
    h = x
    for spec in SPECS:
        h = block(h, p, spec, training)
    h = F.relu6(bn(F.conv2d(h, p["features.4.0.weight"]), p, "features.4.1", training))
    return F.linear(h.mean(dim=(2, 3)), p["classifier.1.weight"], p["classifier.1.bias"])


def case(name, training):
    p = {}
    for spec in SPECS:
        block_params(p, spec)
    p["features.4.0.weight"] = f32(HEAD, 16, 1, 1, scale=1 / math.sqrt(16))
    bn_params(p, "features.4.1", HEAD)
    p["classifier.1.weight"] = f32(CLASSES, HEAD, scale=1 / math.sqrt(HEAD))
    p["classifier.1.bias"] = f32(CLASSES, scale=0.1)
    w = FixtureFile(OUT, name)
    add_params(w, p)
    for k in p:
        if not running(k):
            p[k].requires_grad_(True)
    x = f32(N, SPECS[0][2], HW, HW).requires_grad_(True)
    labels = torch.tensor([0, 3, 1, 4])
    logits = forward(x, p, training)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    w.add("x", nhwc(x)); w.add("labels", labels.to(DT)); w.add("logits", logits); w.add("dx", nhwc(x.grad))
    for k in p:
        w.add(("after." if running(k) else "grad.") + k, p[k] if running(k) else p[k].grad)
    w.meta = {"specs": [list(s) for s in SPECS], "head": HEAD, "classes": CLASSES, "batch": N, "size": HW,
              "training": training, "momentum": MOMENTUM, "loss": loss.item()}
    w.save()


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    case("mnv2_top_train", True)
    case("mnv2_top_frozen", False)
