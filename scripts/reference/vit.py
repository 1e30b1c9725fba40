"""A pure-torch vision transformer reference (no timm, no transformers) that writes its seeded weights
in the key layouts of timm, DINOv2's repository, Hugging Face Dinov2Model and CLIPVisionModel, and
computes every Thaw cut point the way each of those libraries does.

Architecture (pre-norm): tokens = [cls (+ its position), registers, patches + positions] → ln_pre (CLIP)
→ blocks: x += ls1·attn(LN1(x)); x += ls2·fc2(act(fc1(LN2(x)))) → final norm.
Position grids are resized exactly as each library does it (see `resample_positions`):
  timm                  F.interpolate(size=(h, w), mode="bicubic", antialias=True)   (resample_abs_pos_embed)
  dinov2 repository     F.interpolate(scale_factor=((h+0.1)/M, (w+0.1)/M), mode="bicubic", antialias=False)
  hf (Dinov2Model, CLIP) F.interpolate(size=(h, w), mode="bicubic", align_corners=False)
  hf Dinov2WithRegisters as timm (antialias=True, size)
"""
import json
import math
import struct

import numpy as np
import torch
import torch.nn.functional as F


class Spec:
    def __init__(self, width, depth, heads, mlp, patch, grid, registers=0, layer_scale=False, pre_norm=False,
                 patch_bias=True, projection=None, classifier=None, activation="gelu", eps=1e-6,
                 pooling="class-token", class_position=True):
        self.__dict__.update(locals())
        del self.__dict__["self"]


def seeded_parameters(spec, seed):
    """Canonical float32 parameters (dict name → tensor), drawn from one seeded generator."""
    g = torch.Generator().manual_seed(seed)
    c, i, p, m = spec.width, spec.mlp, spec.patch, spec.grid

    def randn(*shape, scale=1.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).float()

    def linear(out, inp):
        return randn(out, inp, scale=1 / math.sqrt(inp)), randn(out, scale=0.1)

    def norm():
        return 1 + randn(c, scale=0.2), randn(c, scale=0.1)

    P = {"patch.weight": randn(c, 3, p, p, scale=1 / math.sqrt(3 * p * p))}
    if spec.patch_bias:
        P["patch.bias"] = randn(c, scale=0.1)
    P["cls"] = randn(c, scale=0.5)
    P["cls_pos"] = randn(c, scale=0.5)       # the class token's position (folded into cls when the layout has none)
    P["pos"] = randn(m, m, c, scale=0.5)     # patch positions, [M, M, C]
    if spec.registers:
        P["registers"] = randn(spec.registers, c, scale=0.5)
    if spec.pre_norm:
        P["pre_norm.weight"], P["pre_norm.bias"] = norm()
    for n in range(spec.depth):
        b = f"blocks.{n}."
        P[b + "norm1.weight"], P[b + "norm1.bias"] = norm()
        for k in ("q", "k", "v", "out"):
            P[b + k + ".weight"], P[b + k + ".bias"] = linear(c, c)
        P[b + "norm2.weight"], P[b + "norm2.bias"] = norm()
        P[b + "fc1.weight"], P[b + "fc1.bias"] = linear(i, c)
        P[b + "fc2.weight"], P[b + "fc2.bias"] = linear(c, i)
        if spec.layer_scale:
            P[b + "ls1"] = 0.5 + randn(c, scale=0.2)
            P[b + "ls2"] = 0.5 + randn(c, scale=0.2)
    P["norm.weight"], P["norm.bias"] = norm()
    if spec.projection:
        P["proj.weight"] = randn(spec.projection, c, scale=1 / math.sqrt(c))
    if spec.classifier:
        P["head.weight"], P["head.bias"] = linear(spec.classifier, c)
    return P


def state_dict(spec, P, layout):
    """The canonical parameters under a library's key names and shapes."""
    c, m = spec.width, spec.grid
    out = {}
    blocks = range(spec.depth)
    if layout in ("timm", "dinov2-repository"):
        out["patch_embed.proj.weight"] = P["patch.weight"]
        if "patch.bias" in P:
            out["patch_embed.proj.bias"] = P["patch.bias"]
        grid = P["pos"].reshape(1, m * m, c)
        if layout == "timm" and not spec.class_position:
            # timm no_embed_class (DINOv2 with registers): the class position folded into cls_token.
            out["cls_token"] = (P["cls"] + P["cls_pos"]).reshape(1, 1, c)
            out["pos_embed"] = grid
        else:
            out["cls_token"] = P["cls"].reshape(1, 1, c)
            out["pos_embed"] = torch.cat([P["cls_pos"].reshape(1, 1, c), grid], dim=1)
        if spec.registers:
            out["reg_token" if layout == "timm" else "register_tokens"] = P["registers"].reshape(1, -1, c)
        if layout == "dinov2-repository":
            out["mask_token"] = torch.zeros(1, c)
        if spec.pre_norm:
            out["norm_pre.weight"], out["norm_pre.bias"] = P["pre_norm.weight"], P["pre_norm.bias"]
        for n in blocks:
            s, d = f"blocks.{n}.", f"blocks.{n}."
            out[d + "norm1.weight"], out[d + "norm1.bias"] = P[s + "norm1.weight"], P[s + "norm1.bias"]
            out[d + "attn.qkv.weight"] = torch.cat([P[s + k + ".weight"] for k in "qkv"])
            out[d + "attn.qkv.bias"] = torch.cat([P[s + k + ".bias"] for k in "qkv"])
            out[d + "attn.proj.weight"], out[d + "attn.proj.bias"] = P[s + "out.weight"], P[s + "out.bias"]
            if spec.layer_scale:
                out[d + "ls1.gamma"], out[d + "ls2.gamma"] = P[s + "ls1"], P[s + "ls2"]
            out[d + "norm2.weight"], out[d + "norm2.bias"] = P[s + "norm2.weight"], P[s + "norm2.bias"]
            for k in ("fc1", "fc2"):
                out[d + "mlp." + k + ".weight"], out[d + "mlp." + k + ".bias"] = P[s + k + ".weight"], P[s + k + ".bias"]
        out["norm.weight"], out["norm.bias"] = P["norm.weight"], P["norm.bias"]
        if spec.projection:   # timm's CLIP: the projection is `head`, with a zero bias
            out["head.weight"], out["head.bias"] = P["proj.weight"], torch.zeros(spec.projection)
        if spec.classifier:
            out["head.weight"], out["head.bias"] = P["head.weight"], P["head.bias"]
    elif layout == "hf-dinov2":
        pre = "dinov2."
        out[pre + "embeddings.cls_token"] = P["cls"].reshape(1, 1, c)
        out[pre + "embeddings.mask_token"] = torch.zeros(1, c)
        out[pre + "embeddings.position_embeddings"] = torch.cat([P["cls_pos"].reshape(1, 1, c), P["pos"].reshape(1, m * m, c)], 1)
        out[pre + "embeddings.patch_embeddings.projection.weight"] = P["patch.weight"]
        out[pre + "embeddings.patch_embeddings.projection.bias"] = P["patch.bias"]
        if spec.registers:
            out[pre + "embeddings.register_tokens"] = P["registers"].reshape(1, -1, c)
        for n in blocks:
            s, d = f"blocks.{n}.", f"{pre}encoder.layer.{n}."
            out[d + "norm1.weight"], out[d + "norm1.bias"] = P[s + "norm1.weight"], P[s + "norm1.bias"]
            for k, name in (("q", "query"), ("k", "key"), ("v", "value")):
                out[d + "attention.attention." + name + ".weight"] = P[s + k + ".weight"]
                out[d + "attention.attention." + name + ".bias"] = P[s + k + ".bias"]
            out[d + "attention.output.dense.weight"], out[d + "attention.output.dense.bias"] = P[s + "out.weight"], P[s + "out.bias"]
            out[d + "layer_scale1.lambda1"], out[d + "layer_scale2.lambda1"] = P[s + "ls1"], P[s + "ls2"]
            out[d + "norm2.weight"], out[d + "norm2.bias"] = P[s + "norm2.weight"], P[s + "norm2.bias"]
            for k in ("fc1", "fc2"):
                out[d + "mlp." + k + ".weight"], out[d + "mlp." + k + ".bias"] = P[s + k + ".weight"], P[s + k + ".bias"]
        out[pre + "layernorm.weight"], out[pre + "layernorm.bias"] = P["norm.weight"], P["norm.bias"]
        if spec.classifier:   # Dinov2ForImageClassification's linear head on cls ⊕ patch mean
            out["classifier.weight"], out["classifier.bias"] = P["head.weight"], P["head.bias"]
    elif layout == "hf-clip":
        v = "vision_model."
        out[v + "embeddings.class_embedding"] = P["cls"]
        out[v + "embeddings.patch_embedding.weight"] = P["patch.weight"]
        out[v + "embeddings.position_embedding.weight"] = torch.cat([P["cls_pos"].reshape(1, c), P["pos"].reshape(m * m, c)])
        out[v + "embeddings.position_ids"] = torch.arange(1 + m * m).reshape(1, -1).float()
        out[v + "pre_layrnorm.weight"], out[v + "pre_layrnorm.bias"] = P["pre_norm.weight"], P["pre_norm.bias"]
        for n in blocks:
            s, d = f"blocks.{n}.", f"{v}encoder.layers.{n}."
            out[d + "layer_norm1.weight"], out[d + "layer_norm1.bias"] = P[s + "norm1.weight"], P[s + "norm1.bias"]
            for k in ("q", "k", "v", "out"):
                out[d + f"self_attn.{k}_proj.weight"], out[d + f"self_attn.{k}_proj.bias"] = P[s + k + ".weight"], P[s + k + ".bias"]
            out[d + "layer_norm2.weight"], out[d + "layer_norm2.bias"] = P[s + "norm2.weight"], P[s + "norm2.bias"]
            for k in ("fc1", "fc2"):
                out[d + "mlp." + k + ".weight"], out[d + "mlp." + k + ".bias"] = P[s + k + ".weight"], P[s + k + ".bias"]
        out[v + "post_layernorm.weight"], out[v + "post_layernorm.bias"] = P["norm.weight"], P["norm.bias"]
        out["visual_projection.weight"] = P["proj.weight"]
        # A whole CLIPModel file also holds these; the vision backbone ignores them.
        out["logit_scale"] = torch.tensor(2.6592)
        out["text_projection.weight"] = torch.zeros(spec.projection, 8)
    else:
        raise ValueError(layout)
    return {k: v.contiguous() for k, v in out.items()}


def resample_positions(grid, gh, gw, rule):
    """grid [M, M, C] (float64) → [gh, gw, C] by a library's rule (module docstring)."""
    m = grid.shape[0]
    if gh == m and gw == m:
        return grid
    x = grid.permute(2, 0, 1).unsqueeze(0)
    if rule == "timm":
        y = F.interpolate(x, size=(gh, gw), mode="bicubic", antialias=True)
    elif rule == "dinov2-repository":
        y = F.interpolate(x, scale_factor=((gh + 0.1) / m, (gw + 0.1) / m), mode="bicubic", antialias=False)
    elif rule == "hf":
        y = F.interpolate(x, size=(gh, gw), mode="bicubic", align_corners=False)
    else:
        raise ValueError(rule)
    assert y.shape[-2:] == (gh, gw), (y.shape, gh, gw)
    return y[0].permute(1, 2, 0)


def forward(spec, P, images_nhwc, rule):
    """Every Thaw cut point, float64. images [N, H, W, 3]."""
    P = {k: v.double() for k, v in P.items()}
    x = images_nhwc.double().permute(0, 3, 1, 2)
    n, c, p = x.shape[0], spec.width, spec.patch
    patches = F.conv2d(x, P["patch.weight"], P.get("patch.bias"), stride=p)    # [N, C, gh, gw]
    gh, gw = patches.shape[-2:]
    pos = resample_positions(P["pos"], gh, gw, rule).reshape(gh * gw, c)
    tokens = [(P["cls"] + P["cls_pos"]).expand(n, 1, c)]
    if spec.registers:
        tokens.append(P["registers"].expand(n, -1, c))
    tokens.append(patches.flatten(2).transpose(1, 2) + pos)
    h = torch.cat(tokens, dim=1)
    if spec.pre_norm:
        h = F.layer_norm(h, (c,), P["pre_norm.weight"], P["pre_norm.bias"], spec.eps)
    taps = {"embeddings": h}
    for k in range(spec.depth):
        h = block(spec, P, k, h)
        taps[f"blocks.{k}"] = h
    taps.update(pool(spec, P, h))
    return taps


def block(spec, P, k, h):
    """Pre-norm block k on tokens h [N, T, C] (any dtype P and h share)."""
    n, c = h.shape[0], spec.width
    d = c // spec.heads
    b = f"blocks.{k}."
    y = F.layer_norm(h, (c,), P[b + "norm1.weight"], P[b + "norm1.bias"], spec.eps)
    q, kk, v = (F.linear(y, P[b + s + ".weight"], P[b + s + ".bias"]).reshape(n, -1, spec.heads, d).transpose(1, 2) for s in "qkv")
    a = torch.softmax(q @ kk.transpose(-1, -2) / math.sqrt(d), dim=-1) @ v
    a = F.linear(a.transpose(1, 2).reshape(n, -1, c), P[b + "out.weight"], P[b + "out.bias"])
    h = h + (a * P[b + "ls1"] if spec.layer_scale else a)
    y = F.layer_norm(h, (c,), P[b + "norm2.weight"], P[b + "norm2.bias"], spec.eps)
    y = F.linear(y, P[b + "fc1.weight"], P[b + "fc1.bias"])
    y = F.gelu(y) if spec.activation == "gelu" else y * torch.sigmoid(1.702 * y)
    y = F.linear(y, P[b + "fc2.weight"], P[b + "fc2.bias"])
    return h + (y * P[b + "ls2"] if spec.layer_scale else y)


def pool(spec, P, h):
    """`cls` and `pool` of the last block's tokens h [N, T, C]: final norm, then the family's pooling."""
    c = spec.width
    normed = F.layer_norm(h, (c,), P["norm.weight"], P["norm.bias"], spec.eps)
    cls = normed[:, 0]
    mean = normed[:, 1 + spec.registers:].mean(dim=1)
    if spec.pooling == "class-token":
        pooled = F.linear(cls, P["proj.weight"]) if spec.projection else cls
    elif spec.pooling == "patch-mean":
        pooled = mean
    else:
        pooled = torch.cat([cls, mean], dim=1)
    return {"cls": cls, "pool": pooled}


def write_safetensors(tensors, path, metadata=None):
    """float32 safetensors, keys sorted (as the safetensors library writes them)."""
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name].detach().float().numpy(), dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
