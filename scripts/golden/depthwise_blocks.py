#!/usr/bin/env python3
"""Golden gradients for the depthwise backward of stride-1 "same" layers without activation (the layers of
EfficientNet-Lite blocks 12-15 in training: 5x5 and 3x3 on 7x7 and 14x14 maps), torch autograd in float64.

Command (from the repository root):
    python3 scripts/golden/depthwise_blocks.py
Seed: 20261204 (torch.manual_seed). Needs torch; the tests only read the files written here.

Writes Tests/ThawKernelsTests/Fixtures/dwblocks_<case>.<array>.bin (raw little-endian float32, images NHWC,
weights [C,1,kh,kw]); the shapes are the table below, repeated in DepthwiseBackwardBlocksTests.swift.
"""
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261204)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawKernelsTests", "Fixtures")


def rand(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).float().double()


def dump(case, name, t):
    a = t.detach().float().numpy()
    a.astype("<f4").tofile(os.path.join(OUT, f"dwblocks_{case}.{name}.bin"))


# (case, NHWC shape, kernel): 7x7 and 14x14 maps, a width that is not a multiple of 7, batch 1 (channel split).
for case, (n, h, w, c), k in [("dwb5_7", (2, 7, 7, 32), 5), ("dwb3_7", (1, 7, 7, 48), 3),
                              ("dwb5_14", (2, 14, 14, 16), 5), ("dwb3_odd", (3, 9, 10, 32), 3)]:
    x = rand(n, h, w, c).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
    wt = rand(c, 1, k, k, scale=0.3).requires_grad_(True)
    b = rand(c, scale=0.1).requires_grad_(True)
    p = (k - 1) // 2                      # stride 1: SAME pads (k-1)/2 on each side
    y = F.conv2d(F.pad(x, [p, k - 1 - p, p, k - 1 - p]), wt, b, groups=c)
    dy = rand(*y.shape)
    (y * dy).sum().backward()
    for nm, t in [("x", x.permute(0, 2, 3, 1)), ("w", wt), ("b", b), ("dy", dy.permute(0, 2, 3, 1)),
                  ("dx", x.grad.permute(0, 2, 3, 1)), ("dw", wt.grad), ("db", b.grad)]:
        dump(case, nm, t)

