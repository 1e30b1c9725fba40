#!/usr/bin/env python3
"""Golden fixtures for ThawKernels' convolution-family kernels (Conv2D, depthwise, BN, pooling).

Command (from the repository root):
    python3 scripts/golden/conv_kernels.py
Seed: 20261129 (torch.manual_seed). Needs torch; the tests only read the files written here.

Each case runs PyTorch in float64 on float32 inputs (NCHW in torch, dumped NHWC). Writes
Tests/ThawKernelsTests/Fixtures/conv/<case>.<array>.bin (raw little-endian float32) and
Tests/ThawKernelsTests/Fixtures/conv/cases.json describing each case's parameters and array shapes.
Weights are dumped in PyTorch's layout (OIHW, depthwise [C,1,kh,kw]); the kernels convert them.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261129)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawKernelsTests", "Fixtures", "conv")
os.makedirs(OUT, exist_ok=True)
cases = []


def rand(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).float()


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous() if t.dim() == 4 else t


def same_pad(size, k, s, d=1):
    out = math.ceil(size / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def save(name, params, **arrays):
    shapes = {}
    for key, t in arrays.items():
        t = t.detach().to(torch.float32)
        a = (nhwc(t) if key in ("x", "y", "skip") else t).numpy().astype("<f4")   # weights stay OIHW
        a.tofile(os.path.join(OUT, f"{name}.{key}.bin"))
        shapes[key] = list(a.shape)
    cases.append({"name": name, "params": params, "arrays": shapes})


def act(y, a):
    return {"identity": y, "relu": F.relu(y), "relu6": F.relu6(y)}[a]


def conv_case(name, n, cin, h, w, cout, k, stride=1, padding=0, dilation=1, groups=1, bias=True,
              activation="identity"):
    x = rand(n, cin, h, w)
    wt = rand(cout, cin // groups, k, k, scale=1 / math.sqrt(cin // groups * k * k))
    b = rand(cout) if bias else None
    xd = x.double()
    if padding == "same":
        t, bo = same_pad(h, k, stride, dilation)
        l, r = same_pad(w, k, stride, dilation)
        xd = F.pad(xd, (l, r, t, bo))
        p = 0
    else:
        p = padding
    y = F.conv2d(xd, wt.double(), None if b is None else b.double(), stride, p, dilation, groups)
    y = act(y, activation)
    arrays = dict(x=x, weight=wt, y=y)
    if b is not None:
        arrays["bias"] = b
    save(name, dict(kind="conv", cin=cin, cout=cout, k=k, stride=stride, padding=padding, dilation=dilation,
                    groups=groups, activation=activation), **arrays)


def dw_case(name, n, c, h, w, k, stride, padding, activation="identity", bias=True):
    conv_case(name, n, c, h, w, c, k, stride, padding, 1, c, bias, activation)
    cases[-1]["params"]["kind"] = "depthwise"


# Convolutions: odd sizes so edges and asymmetric SAME padding are exercised.
conv_case("conv3x3_s1", 2, 6, 13, 11, 10, 3, 1, 1)
conv_case("conv3x3_s2_relu", 2, 6, 13, 11, 10, 3, 2, 1, activation="relu")
conv_case("conv3x3_dil2", 2, 5, 13, 11, 7, 3, 1, 2, dilation=2)
conv_case("conv3x3_groups2", 2, 8, 13, 11, 6, 3, 1, 1, groups=2)
conv_case("conv1x1", 2, 12, 13, 11, 7, 1)
conv_case("conv1x1_groups2_relu6", 2, 8, 13, 11, 6, 1, groups=2, activation="relu6")
conv_case("conv1x1_s2_nobias", 2, 8, 13, 11, 16, 1, 2, 0, bias=False)
conv_case("conv7x7_s2_p3_stem", 2, 3, 29, 23, 8, 7, 2, 3, bias=False)
conv_case("conv3x3_s2_same_relu6", 2, 3, 13, 11, 8, 3, 2, "same", activation="relu6")
conv_case("conv3x3_s1_bigger", 3, 16, 20, 18, 24, 3, 1, 1)

# Depthwise: channel counts with SIMD tails (20 = 16 + 4, 19 = 16 + 3 scalar).
dw_case("dw5x5_s2_same", 2, 20, 13, 11, 5, 2, "same")
dw_case("dw3x3_s1_same_relu6", 2, 19, 13, 11, 3, 1, "same", activation="relu6")
dw_case("dw3x3_s2_p1_nobias", 2, 24, 13, 11, 3, 2, 1, bias=False)
dw_case("dw5x5_s1_same", 1, 32, 12, 9, 5, 1, "same")


# Batch norm folded into the preceding convolution vs conv + BN in eval mode.
def bn_params(c):
    return dict(gamma=rand(c).abs() + 0.5, beta=rand(c), mean=rand(c) * 0.5, var=torch.rand(c) + 0.1)


def bn_ref(y, p, eps):
    return F.batch_norm(y, p["mean"].double(), p["var"].double(), p["gamma"].double(), p["beta"].double(),
                        False, 0.0, eps)


x = rand(2, 6, 13, 11)
wt = rand(10, 6, 3, 3, scale=0.15)
b = rand(10)
p = bn_params(10)
y = bn_ref(F.conv2d(x.double(), wt.double(), b.double(), 1, 1), p, 1e-3)
save("bnfold_conv3x3", dict(kind="bnfold_conv", cin=6, cout=10, k=3, stride=1, padding=1, eps=1e-3),
     x=x, weight=wt, bias=b, y=y, **p)

x = rand(2, 24, 13, 11)
wt = rand(24, 1, 3, 3, scale=0.3)
p = bn_params(24)
t, bo = same_pad(13, 3, 2)
l, r = same_pad(11, 3, 2)
y = F.relu6(bn_ref(F.conv2d(F.pad(x.double(), (l, r, t, bo)), wt.double(), None, 2, 0, 1, 24), p, 1e-3))
save("bnfold_dw3x3_s2_same_relu6", dict(kind="bnfold_depthwise", c=24, k=3, stride=2, padding="same", eps=1e-3),
     x=x, weight=wt, y=y, **p)

x = rand(2, 12, 7, 5)
p = bn_params(12)
save("batchnorm_eps1e-5", dict(kind="batchnorm", c=12, eps=1e-5), x=x, y=bn_ref(x.double(), p, 1e-5), **p)

# Pooling.
x = rand(2, 8, 13, 11)
save("maxpool3_s2_p1", dict(kind="maxpool", c=8, k=3, stride=2, padding=1), x=x,
     y=F.max_pool2d(x.double(), 3, 2, 1))
save("avgpool3_s2_p1", dict(kind="avgpool", c=8, k=3, stride=2, padding=1, count_pad=True), x=x,
     y=F.avg_pool2d(x.double(), 3, 2, 1, count_include_pad=True))
t, bo = same_pad(13, 3, 2)
l, r = same_pad(11, 3, 2)
ssum = F.avg_pool2d(F.pad(x.double(), (l, r, t, bo)), 3, 2, 0, divisor_override=1)
cnt = F.avg_pool2d(F.pad(torch.ones(1, 1, 13, 11, dtype=torch.float64), (l, r, t, bo)), 3, 2, 0, divisor_override=1)
save("avgpool3_s2_same_nopad", dict(kind="avgpool", c=8, k=3, stride=2, padding="same", count_pad=False), x=x,
     y=ssum / cnt)
save("avgpool2_s2", dict(kind="avgpool", c=8, k=2, stride=2, padding=0, count_pad=True), x=x,
     y=F.avg_pool2d(x.double(), 2, 2))
save("global_avgpool", dict(kind="global_avgpool", c=8), x=x, y=x.double().mean(dim=(2, 3)))

# Pointwise.
x = rand(2, 8, 13, 11, scale=5)
save("relu6", dict(kind="relu6"), x=x, y=F.relu6(x.double()))
skip = rand(2, 8, 13, 11)
save("residual_relu", dict(kind="residual_relu"), x=x, skip=skip, y=F.relu(x.double() + skip.double()))

# Whole blocks, BN folded by the kernels: an EfficientNet-Lite MBConv (expand 1×1, depthwise 3×3
# SAME, project 1×1, BN eps 1e-3, ReLU6, residual) and a ResNet stem + basic block (BN eps 1e-5).
def bn_arrays(prefix, c):
    return {f"{prefix}.{k}": v for k, v in bn_params(c).items()}


def bn_of(arrays, prefix, y, eps):
    return F.batch_norm(y, arrays[f"{prefix}.mean"].double(), arrays[f"{prefix}.var"].double(),
                        arrays[f"{prefix}.gamma"].double(), arrays[f"{prefix}.beta"].double(), False, 0.0, eps)


a = dict(x=rand(2, 16, 13, 11), expand=rand(96, 16, 1, 1, scale=0.25), dw=rand(96, 1, 3, 3, scale=0.33),
         project=rand(16, 96, 1, 1, scale=0.1), **bn_arrays("bn0", 96), **bn_arrays("bn1", 96), **bn_arrays("bn2", 16))
h = F.relu6(bn_of(a, "bn0", F.conv2d(a["x"].double(), a["expand"].double()), 1e-3))
h = F.relu6(bn_of(a, "bn1", F.conv2d(F.pad(h, (1, 1, 1, 1)), a["dw"].double(), None, 1, 0, 1, 96), 1e-3))
h = bn_of(a, "bn2", F.conv2d(h, a["project"].double()), 1e-3) + a["x"].double()
save("block_mbconv", dict(kind="block_mbconv", cin=16, expand=96, eps=1e-3), y=h, **a)

a = dict(x=rand(2, 3, 29, 23), stem=rand(16, 3, 7, 7, scale=0.08), conv1=rand(16, 16, 3, 3, scale=0.08),
         conv2=rand(16, 16, 3, 3, scale=0.08), **bn_arrays("bn0", 16), **bn_arrays("bn1", 16), **bn_arrays("bn2", 16))
h = F.max_pool2d(F.relu(bn_of(a, "bn0", F.conv2d(a["x"].double(), a["stem"].double(), None, 2, 3), 1e-5)), 3, 2, 1)
r = F.relu(bn_of(a, "bn1", F.conv2d(h, a["conv1"].double(), None, 1, 1), 1e-5))
r = bn_of(a, "bn2", F.conv2d(r, a["conv2"].double(), None, 1, 1), 1e-5)
save("block_resnet_stem_basic", dict(kind="block_resnet", cin=3, width=16, eps=1e-5), y=F.relu(r + h), **a)

# Stems with 3 input channels and 16·k outputs (the direct small-input kernel on AVX-512 CPUs): TF SAME
# with ReLU6 (EfficientNet-Lite), symmetric padding without bias (MobileNetV2's conv before its BN);
# widths not a multiple of 4 output pixels.
conv_case("conv3x3_s2_same_relu6_stem32", 2, 3, 17, 15, 32, 3, 2, "same", activation="relu6")
conv_case("conv3x3_s2_p1_stem16_nobias", 1, 3, 14, 19, 16, 3, 2, 1, bias=False)

with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump({"generator": "scripts/golden/conv_kernels.py", "seed": 20261129, "layout": "NHWC; weights as PyTorch",
               "cases": cases}, f, indent=1)
total = sum(os.path.getsize(os.path.join(OUT, fn)) for fn in os.listdir(OUT))
print(f"{len(cases)} cases, {total / 1e6:.2f} MB in {OUT}")
