#!/usr/bin/env python3
"""Golden gradients for ThawKernels' backward passes (torch autograd in float64).

Command (from the repository root):
    python3 scripts/golden/backward_kernels.py
Seed: 20261130 (torch.manual_seed). Needs torch; the tests only read the files written here.

Every case draws float32 inputs, runs the forward in float64, and back-propagates a random
upstream gradient dy (loss = sum(y * dy)). Images are dumped NHWC, convolution weights and their
gradients in PyTorch's layout (OIHW, depthwise [C,1,kh,kw]). Writes
Tests/ThawKernelsTests/Fixtures/backward_<case>.<array>.bin (raw little-endian float32) and
Tests/ThawKernelsTests/Fixtures/backward_manifest.json mapping "<case>.<array>" to its shape.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261130)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawKernelsTests", "Fixtures")
manifest = {}


def rand(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).float().double()


def leaf(t):
    return t.clone().requires_grad_(True)


def dump(case, name, t):
    a = t.detach().float().numpy()
    manifest[f"{case}.{name}"] = list(a.shape)
    a.astype("<f4").tofile(os.path.join(OUT, f"backward_{case}.{name}.bin"))


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def nchw_from(shape_nhwc, scale=1.0):
    """A float32-valued NHWC draw, returned as an NCHW float64 tensor."""
    return rand(*shape_nhwc, scale=scale).permute(0, 3, 1, 2).contiguous()


def same_pad(x, k, s, d=1):
    """TensorFlow SAME padding on NCHW: half before, the odd one after."""
    pads = []
    for size in (x.shape[3], x.shape[2]):        # F.pad order: W then H
        out = (size + s - 1) // s
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


def act(y, name):
    return {"identity": y, "relu": F.relu(y), "relu6": F.relu6(y)}[name]


def backprop(case, y, inputs):
    dy = rand(*y.shape)
    (y * dy).sum().backward()
    return dy


# Linear: x [5, 7] → [5, 4]
x, w, b = leaf(rand(5, 7)), leaf(rand(4, 7, scale=0.4)), leaf(rand(4))
y = F.linear(x, w, b)
dy = backprop("linear", y, None)
for n, t in [("x", x), ("w", w), ("b", b), ("dy", dy), ("dx", x.grad), ("dw", w.grad), ("db", b.grad)]:
    dump("linear", n, t)

# GELU (erf): [64]
x = leaf(rand(64, scale=2.0))
y = F.gelu(x)
dy = backprop("gelu", y, None)
for n, t in [("x", x), ("dy", dy), ("dx", x.grad)]:
    dump("gelu", n, t)

# Softmax rows: [4, 9]
x = leaf(rand(4, 9))
y = torch.softmax(x, dim=-1)
dy = backprop("softmax", y, None)
for n, t in [("y", y), ("dy", dy), ("dx", x.grad)]:
    dump("softmax", n, t)

# LayerNorm [6, 16], eps 1e-5
x, g, bb = leaf(rand(6, 16, scale=2.0) + 0.5), leaf(rand(16)), leaf(rand(16))
y = F.layer_norm(x, (16,), g, bb, eps=1e-5)
dy = backprop("layernorm", y, None)
for n, t in [("x", x), ("g", g), ("b", bb), ("dy", dy), ("dx", x.grad), ("dg", g.grad), ("db", bb.grad)]:
    dump("layernorm", n, t)

# Convolutions (NHWC x, OIHW w).
def conv_case(case, n, h, wd, cin, cout, k, stride, padding, groups=1, dilation=1, activation="identity"):
    x = leaf(nchw_from((n, h, wd, cin)))
    w = leaf(rand(cout, cin // groups, k, k, scale=1 / math.sqrt(cin // groups * k * k)))
    b = leaf(rand(cout, scale=0.1))
    xin = same_pad(x, k, stride, dilation) if padding == "same" else x
    y = act(F.conv2d(xin, w, b, stride=stride, padding=0 if padding == "same" else padding,
                     dilation=dilation, groups=groups), activation)
    dy = backprop(case, y, None)
    for nm, t in [("x", nhwc(x)), ("w", w), ("b", b), ("y", nhwc(y)), ("dy", nhwc(dy)),
                  ("dx", nhwc(x.grad)), ("dw", w.grad), ("db", b.grad)]:
        dump(case, nm, t)


conv_case("conv3x3_s2_same", 2, 9, 8, 4, 6, 3, 2, "same", activation="relu")
conv_case("conv1x1", 2, 5, 5, 8, 6, 1, 1, 0, activation="relu6")
conv_case("conv3x3_g2_d2", 2, 7, 7, 4, 6, 3, 1, 2, groups=2, dilation=2)

# Depthwise 5×5 stride 2 SAME, C = 21 (16-lane, 4-lane and scalar paths), ReLU6.
c = 21
x = leaf(nchw_from((2, 11, 10, c)))
w = leaf(rand(c, 1, 5, 5, scale=0.3))
b = leaf(rand(c, scale=0.1) + 1.0)          # bias near 1: outputs land on both sides of 0 and 6
y = F.relu6(F.conv2d(same_pad(x, 5, 2), w, b, stride=2, groups=c))
dy = backprop("dw5", y, None)
for nm, t in [("x", nhwc(x)), ("w", w), ("b", b), ("dy", nhwc(dy)), ("dx", nhwc(x.grad)),
              ("dw", w.grad), ("db", b.grad)]:
    dump("dw5", nm, t)

# BatchNorm, training mode: x [2, 5, 5, 6], eps 1e-3, momentum 0.1.
c = 6
x = leaf(nchw_from((2, 5, 5, c), scale=2.0) + 0.3)
g, bb = leaf(rand(c)), leaf(rand(c))
rm, rv = rand(c, scale=0.1), rand(c).abs() + 0.5
rm0, rv0 = rm.clone(), rv.clone()
y = F.batch_norm(x, rm, rv, g, bb, training=True, momentum=0.1, eps=1e-3)
dy = backprop("bn_train", y, None)
for nm, t in [("x", nhwc(x)), ("g", g), ("b", bb), ("rm0", rm0), ("rv0", rv0), ("rm", rm), ("rv", rv),
              ("y", nhwc(y)), ("dy", nhwc(dy)), ("dx", nhwc(x.grad)), ("dg", g.grad), ("db", bb.grad)]:
    dump("bn_train", nm, t)

# BatchNorm, frozen (eval) statistics: the per-channel affine.
x = leaf(nchw_from((2, 3, 4, c)))
g, bb = leaf(rand(c)), leaf(rand(c))
rm, rv = rand(c, scale=0.2), rand(c).abs() + 0.5
y = F.batch_norm(x, rm, rv, g, bb, training=False, eps=1e-5)
dy = backprop("bn_frozen", y, None)
for nm, t in [("x", nhwc(x)), ("g", g), ("b", bb), ("rm", rm), ("rv", rv), ("dy", nhwc(dy)),
              ("dx", nhwc(x.grad)), ("dg", g.grad), ("db", bb.grad)]:
    dump("bn_frozen", nm, t)

# Pools: x [2, 8, 7, 5].
x = leaf(nchw_from((2, 8, 7, 5)))
y = F.max_pool2d(x, 3, 2, 1)
dy = backprop("maxpool", y, None)
for nm, t in [("x", nhwc(x)), ("y", nhwc(y)), ("dy", nhwc(dy)), ("dx", nhwc(x.grad))]:
    dump("maxpool", nm, t)

x = leaf(nchw_from((2, 8, 7, 5)))
y = F.avg_pool2d(x, 3, 2, 1, count_include_pad=True)
dy = backprop("avgpool", y, None)
for nm, t in [("dy", nhwc(dy)), ("dx", nhwc(x.grad))]:
    dump("avgpool", nm, t)

x = leaf(nchw_from((2, 3, 4, 5)))
y = x.mean(dim=(2, 3))
dy = backprop("gap", y, None)
for nm, t in [("dy", dy), ("dx", nhwc(x.grad))]:
    dump("gap", nm, t)

# BERT self-attention with a key padding mask: B 2, T 5, C 8, 2 heads.
B, T, C, H = 2, 5, 8, 2
D = C // H
x = leaf(rand(B, T, C))
mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.float64)
params = {}
for nm in ["query", "key", "value", "output"]:
    params[nm] = (leaf(rand(C, C, scale=0.35)), leaf(rand(C, scale=0.1)))


def heads(t):
    return t.view(B, T, H, D).transpose(1, 2)


q = heads(F.linear(x, *params["query"]))
k = heads(F.linear(x, *params["key"]))
v = heads(F.linear(x, *params["value"]))
s = q @ k.transpose(-1, -2) / math.sqrt(D) + (1 - mask)[:, None, None, :] * torch.finfo(torch.float32).min
p = torch.softmax(s, dim=-1)
ctx = (p @ v).transpose(1, 2).reshape(B, T, C)
y = F.linear(ctx, *params["output"])
dy = backprop("attention", y, None)
dump("attention", "x", x)
dump("attention", "mask", mask)
dump("attention", "y", y)
dump("attention", "dy", dy)
dump("attention", "dx", x.grad)
for nm, (w, b) in params.items():
    dump("attention", f"{nm}_w", w)
    dump("attention", f"{nm}_b", b)
    dump("attention", f"{nm}_dw", w.grad)
    dump("attention", f"{nm}_db", b.grad)

with open(os.path.join(OUT, "backward_manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
total = sum(int(np.prod(s)) * 4 for s in manifest.values())
print(f"{len(manifest)} arrays, {total} bytes")
