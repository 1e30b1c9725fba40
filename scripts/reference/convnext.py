"""A pure-torch ConvNeXt reference (no timm, no torchvision) that writes its seeded weights in the key layouts
of timm, torchvision and facebookresearch/ConvNeXt (see Sources/ThawBackbones/ConvNeXt/ConvNeXtKeyLayout.swift)
and computes every Thaw cut point: stem, stages.0…3, pool (global mean → LayerNorm), fc.

Block: x += γ · fc2(GELU(fc1(LN(dwconv7×7(x))))) with LN over channels (eps 1e-6); stem conv 4×4 s4 + LN;
stage i ≥ 1: LN + conv 2×2 s2.
"""
import math

import torch
import torch.nn.functional as F


def seeded_parameters(dims, depths, classes, seed):
    g = torch.Generator().manual_seed(seed)

    def randn(*shape, scale=1.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).float()

    def norm(c):
        return 1 + randn(c, scale=0.2), randn(c, scale=0.1)

    P = {"stem.weight": randn(dims[0], 3, 4, 4, scale=1 / math.sqrt(48)), "stem.bias": randn(dims[0], scale=0.1)}
    P["stem_norm.weight"], P["stem_norm.bias"] = norm(dims[0])
    for i, (c, depth) in enumerate(zip(dims, depths)):
        if i > 0:
            P[f"down{i}.norm.weight"], P[f"down{i}.norm.bias"] = norm(dims[i - 1])
            P[f"down{i}.weight"] = randn(c, dims[i - 1], 2, 2, scale=1 / math.sqrt(4 * dims[i - 1]))
            P[f"down{i}.bias"] = randn(c, scale=0.1)
        for j in range(depth):
            b = f"s{i}.b{j}."
            P[b + "dw.weight"], P[b + "dw.bias"] = randn(c, 1, 7, 7, scale=1 / 7), randn(c, scale=0.1)
            P[b + "norm.weight"], P[b + "norm.bias"] = norm(c)
            P[b + "fc1.weight"], P[b + "fc1.bias"] = randn(4 * c, c, scale=1 / math.sqrt(c)), randn(4 * c, scale=0.1)
            P[b + "fc2.weight"], P[b + "fc2.bias"] = randn(c, 4 * c, scale=1 / math.sqrt(4 * c)), randn(c, scale=0.1)
            P[b + "gamma"] = 0.5 + randn(c, scale=0.2)
    P["head_norm.weight"], P["head_norm.bias"] = norm(dims[-1])
    if classes:
        P["fc.weight"], P["fc.bias"] = randn(classes, dims[-1], scale=1 / math.sqrt(dims[-1])), randn(classes, scale=0.1)
    return P


def state_dict(dims, depths, P, layout):
    out = {}

    def put(name, key):
        for suffix in (".weight", ".bias"):
            out[name + suffix] = P[key + suffix]

    stem = {"timm": ("stem.0", "stem.1"), "torchvision": ("features.0.0", "features.0.1"),
            "official": ("downsample_layers.0.0", "downsample_layers.0.1")}[layout]
    put(stem[0], "stem")
    put(stem[1], "stem_norm")
    for i, depth in enumerate(depths):
        if i > 0:
            norm, conv = {"timm": (f"stages.{i}.downsample.0", f"stages.{i}.downsample.1"),
                          "torchvision": (f"features.{2 * i}.0", f"features.{2 * i}.1"),
                          "official": (f"downsample_layers.{i}.0", f"downsample_layers.{i}.1")}[layout]
            put(norm, f"down{i}.norm")
            put(conv, f"down{i}")
        for j in range(depth):
            s = f"s{i}.b{j}."
            if layout == "timm":
                p, parts = f"stages.{i}.blocks.{j}.", ("conv_dw", "norm", "mlp.fc1", "mlp.fc2")
                out[p + "gamma"] = P[s + "gamma"]
            elif layout == "torchvision":
                p, parts = f"features.{2 * i + 1}.{j}.", ("block.0", "block.2", "block.3", "block.5")
                out[p + "layer_scale"] = P[s + "gamma"].reshape(-1, 1, 1)
            else:
                p, parts = f"stages.{i}.{j}.", ("dwconv", "norm", "pwconv1", "pwconv2")
                out[p + "gamma"] = P[s + "gamma"]
            for part, key in zip(parts, ("dw", "norm", "fc1", "fc2")):
                put(p + part, s + key)
    head = {"timm": ("head.norm", "head.fc"), "torchvision": ("classifier.0", "classifier.2"), "official": ("norm", "head")}[layout]
    put(head[0], "head_norm")
    if "fc.weight" in P:
        put(head[1], "fc")
    return {k: v.contiguous() for k, v in out.items()}


def forward(dims, depths, P, images_nhwc):
    """Every Thaw cut point in float64; maps NHWC. images [N, H, W, 3]."""
    P = {k: v.double() for k, v in P.items()}
    x = images_nhwc.double().permute(0, 3, 1, 2)

    def ln_channels(t, key):   # LayerNorm2d: over C of NCHW
        return F.layer_norm(t.permute(0, 2, 3, 1), (t.shape[1],), P[key + ".weight"], P[key + ".bias"], 1e-6).permute(0, 3, 1, 2)

    taps = {}
    x = ln_channels(F.conv2d(x, P["stem.weight"], P["stem.bias"], stride=4), "stem_norm")
    taps["stem"] = x
    for i, depth in enumerate(depths):
        if i > 0:
            x = F.conv2d(ln_channels(x, f"down{i}.norm"), P[f"down{i}.weight"], P[f"down{i}.bias"], stride=2)
        for j in range(depth):
            b = f"s{i}.b{j}."
            y = F.conv2d(x, P[b + "dw.weight"], P[b + "dw.bias"], padding=3, groups=x.shape[1]).permute(0, 2, 3, 1)
            y = F.layer_norm(y, (y.shape[-1],), P[b + "norm.weight"], P[b + "norm.bias"], 1e-6)
            y = F.linear(F.gelu(F.linear(y, P[b + "fc1.weight"], P[b + "fc1.bias"])), P[b + "fc2.weight"], P[b + "fc2.bias"])
            x = x + (y * P[b + "gamma"]).permute(0, 3, 1, 2)
        taps[f"stages.{i}"] = x
    pool = F.layer_norm(x.mean(dim=(2, 3)), (dims[-1],), P["head_norm.weight"], P["head_norm.bias"], 1e-6)
    taps["pool"] = pool
    if "fc.weight" in P:
        taps["fc"] = F.linear(pool, P["fc.weight"], P["fc.bias"])
    return {k: (v.permute(0, 2, 3, 1) if v.ndim == 4 else v) for k, v in taps.items()}
