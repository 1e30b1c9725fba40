#!/usr/bin/env python3
"""Golden numbers for ThawFineTune's trainable EfficientNet-Lite stem (torch autograd in float64).

Command (from the repository root):
    python3 scripts/golden/stem_backward.py
Seed: 20261130 (torch.manual_seed). Needs torch; the tests only read the files written here.

The stem: `_conv_stem` 3x3 stride 2 (TF SAME padding: on even sizes all padding goes after) 3 -> 8
channels, `_bn0` (eps 1e-3, momentum 0.01), ReLU6. Loss = sum(y * dy). Cases:
  stem_frozen  8x8 input, BN with running statistics;
  stem_train   9x9 input, BN with batch statistics (+ running update).
Dumps x, dy, y (NHWC), every parameter (PyTorch layout), the gradients of the conv weight and the
BN affine, and the running statistics after the forward, in finetune.py's fixture format
(Tests/ThawFineTuneTests/Fixtures/<case>.bin + .json).
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import finetune as G  # noqa: E402  (shares same_pad, bn, Writer; its import seeds and nothing else)

torch.manual_seed(20261130)
CHANNELS = 8


def stem_case(name, training, n, hw):
    p = {"_conv_stem.weight": G.f32(CHANNELS, 3, 3, 3, scale=0.3)}
    G.bn_params(p, "_bn0", CHANNELS)
    w = G.Writer(name)
    for k, v in p.items():
        w.add("param." + k, v)
    for k in G.trainable(p):
        p[k].requires_grad_(True)
    x = G.f32(n, 3, hw, hw)
    y = F.relu6(G.bn(F.conv2d(G.same_pad(x, 3, 2), p["_conv_stem.weight"], stride=2), p, "_bn0", training))
    dy = G.f32(*y.shape)
    (y * dy).sum().backward()
    w.add("x", G.nhwc(x)); w.add("dy", G.nhwc(dy)); w.add("y", G.nhwc(y))
    for k in G.trainable(p):
        w.add("grad." + k, p[k].grad)
    for k in p:
        if k.endswith("running_mean") or k.endswith("running_var"):
            w.add("after." + k, p[k])
    w.meta = {"channels": CHANNELS, "training": training, "batch": n, "size": hw}
    w.save()


if __name__ == "__main__":
    stem_case("stem_frozen", False, 2, 8)
    stem_case("stem_train", True, 3, 9)
