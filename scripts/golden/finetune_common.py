"""Pieces the fine-tuning golden scripts share: float32-representable random tensors (torch's global RNG, so
call order fixes the values), BatchNorm parameters and forward, NHWC dumps, and two optimizer steps."""
import math

import numpy as np
import torch
import torch.nn.functional as F

DT = torch.float64


def f32(*shape, scale=1.0, offset=0.0):
    """float32-representable values, held as float64."""
    return (torch.randn(*shape) * scale + offset).to(torch.float32).to(DT)


def bn_params(p, prefix, c):
    """weight ≈ 1 ± 0.1, bias and running mean ≈ 0.1·N(0,1), running variance ~ U[0.5, 1.5)."""
    p[prefix + ".weight"] = f32(c, scale=0.1, offset=1.0)
    p[prefix + ".bias"] = f32(c, scale=0.1)
    p[prefix + ".running_mean"] = f32(c, scale=0.1)
    p[prefix + ".running_var"] = (torch.rand(c) + 0.5).to(torch.float32).to(DT)


def bn(x, p, prefix, training, momentum, eps):
    return F.batch_norm(x, p[prefix + ".running_mean"], p[prefix + ".running_var"], p[prefix + ".weight"],
                        p[prefix + ".bias"], training, momentum, eps)


def is_stat(k):
    return k.endswith("running_mean") or k.endswith("running_var")


def trainable(p):
    return [k for k in p if not is_stat(k)]


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous() if t.dim() == 4 else t


def add_params(w, p):
    for k, v in p.items():
        w.add("param." + k, v)


def add_block_gradients(w, p, x, dy, y):
    """After (y * dy).sum().backward(): the maps NHWC, every gradient, the running statistics after."""
    w.add("x", nhwc(x)); w.add("dy", nhwc(dy)); w.add("y", nhwc(y)); w.add("dx", nhwc(x.grad))
    for k in trainable(p):
        w.add("grad." + k, p[k].grad)
    for k in p:
        if is_stat(k):
            w.add("after." + k, p[k])


def two_steps(p, groups, optimizer, lr, loss_fn):
    """Two steps of SGD(momentum 0.9) or AdamW over `groups`, global-norm clipping at half the first step's
    norm (so it acts). Returns (clip, losses, norms)."""
    opt = (torch.optim.SGD(groups, lr=lr, momentum=0.9) if optimizer == "sgd"
           else torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8))
    clip, losses, norms = None, [], []
    for _ in range(2):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        norm = math.sqrt(sum(float((p[k].grad ** 2).sum()) for k in trainable(p)))
        if clip is None:
            clip = float(np.float32(norm * 0.5))
        torch.nn.utils.clip_grad_norm_([p[k] for k in trainable(p)], clip)
        opt.step()
        losses.append(loss.item()); norms.append(norm)
    return clip, losses, norms
