#!/usr/bin/env python3
"""Golden numbers for ThawFineTune's ResNet blocks (torch autograd in float64).

Command (from the repository root):
    python3 scripts/golden/resnet_finetune.py
Seed: 20261130 (torch.manual_seed). Needs torch; the tests only read the files written here.

Blocks are torchvision's BasicBlock / Bottleneck (v1.5: stride on the 3×3), written out with
F.conv2d / F.batch_norm (eps 1e-5, momentum 0.1) under torchvision key names; BN statistics
are randomised (running_mean ~ 0.1·N(0,1), running_var ~ U[0.5, 1.5)).
Cases:
  rblock_basic_frozen / rblock_basic_train    BasicBlock 8→8, stride 1 (identity skip), N=2, 6×6;
  rblock_bottle_frozen / rblock_bottle_train  Bottleneck 16→(8)→32, stride 2, downsample, N=2, 7×7;
      BN with running statistics (frozen) or batch statistics (train, running statistics updated);
      loss = sum(y * dy); dumps x, dy, y, dx, every parameter, its gradient and the running statistics after.
  rstep_sgd    Bottleneck "layer4.0" 16→(8)→32 stride 2 + global average pool + linear 32→5 ("fc"),
               cross-entropy, two SGD(momentum 0.9) steps on one batch, BN in training mode,
               block lr = lr·0.8 (layer decay, depth 1), weight decay on conv/linear weights only,
               global-norm clipping at half the first step's norm;
  rstep_adamw  the same with AdamW and frozen BN.
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

torch.manual_seed(20261130)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawFineTuneTests", "Fixtures")
MOMENTUM = 0.1
EPS = 1e-5


def conv_params(p, key, cout, cin, k):
    p[key] = f32(cout, cin, k, k, scale=1 / math.sqrt(cin * k * k))


def convs(cin, width, stride, bottleneck):
    """(cin, cout, kernel, stride, padding) of conv1, conv2 (, conv3)."""
    if bottleneck:
        return [(cin, width, 1, 1, 0), (width, width, 3, stride, 1), (width, 4 * width, 1, 1, 0)]
    return [(cin, width, 3, stride, 1), (width, width, 3, 1, 1)]


def block_params(p, prefix, cin, width, stride, bottleneck):
    cs = convs(cin, width, stride, bottleneck)
    for i, (ci, co, k, _, _) in enumerate(cs):
        conv_params(p, "%s.conv%d.weight" % (prefix, i + 1), co, ci, k)
        bn_params(p, "%s.bn%d" % (prefix, i + 1), co)
    out = cs[-1][1]
    if stride != 1 or cin != out:
        conv_params(p, prefix + ".downsample.0.weight", out, cin, 1)
        bn_params(p, prefix + ".downsample.1", out)


def bn(x, p, prefix, training):
    return batch_norm(x, p, prefix, training, MOMENTUM, EPS)


def block(x, p, prefix, cin, width, stride, bottleneck, training):
    cs = convs(cin, width, stride, bottleneck)
    h = x
    for i, (_, _, _, s, pad) in enumerate(cs):
        h = bn(F.conv2d(h, p["%s.conv%d.weight" % (prefix, i + 1)], stride=s, padding=pad), p, "%s.bn%d" % (prefix, i + 1),
               training)
        if i < len(cs) - 1:
            h = F.relu(h)
    if prefix + ".downsample.0.weight" in p:
        identity = bn(F.conv2d(x, p[prefix + ".downsample.0.weight"], stride=stride), p, prefix + ".downsample.1", training)
    else:
        identity = x
    return F.relu(h + identity)


def block_case(name, cin, width, stride, bottleneck, training, n, hw):
    prefix = "layer3.1"
    p = {}
    block_params(p, prefix, cin, width, stride, bottleneck)
    w = FixtureFile(OUT, name)
    add_params(w, p)
    for k in trainable(p):
        p[k].requires_grad_(True)
    x = f32(n, cin, hw, hw).requires_grad_(True)
    y = block(x, p, prefix, cin, width, stride, bottleneck, training)
    dy = f32(*y.shape)
    (y * dy).sum().backward()
    add_block_gradients(w, p, x, dy, y)
    w.meta = {"in": cin, "width": width, "stride": stride, "bottleneck": bottleneck, "training": training,
              "batch": n, "size": hw, "prefix": prefix, "momentum": MOMENTUM}
    w.save()


def step_case(name, optimizer, training):
    cin, width, stride, classes, n, hw = 16, 8, 2, 5, 4, 6
    lr, decay = (0.05, 0.8) if optimizer == "sgd" else (0.01, 0.8)
    wd = 0.01 if optimizer == "sgd" else 0.05
    prefix = "layer4.0"
    p = {}
    block_params(p, prefix, cin, width, stride, True)
    p["fc.weight"] = f32(classes, 4 * width, scale=1 / math.sqrt(4 * width))
    p["fc.bias"] = f32(classes, scale=0.1)
    w = FixtureFile(OUT, name)
    add_params(w, p)
    x = F.relu(f32(n, cin, hw, hw))   # cached maps are ReLU outputs
    labels = torch.tensor([0, 3, 1, 4])
    w.add("x", nhwc(x))
    w.add("labels", labels.to(DT))
    for k in trainable(p):
        p[k].requires_grad_(True)
    groups = []
    for k in trainable(p):
        depth = 1 if k.startswith(prefix) else 0
        decays = k.endswith("conv1.weight") or k.endswith("conv2.weight") or k.endswith("conv3.weight") \
            or k.endswith("downsample.0.weight") or k == "fc.weight"
        groups.append({"params": [p[k]], "lr": lr * decay ** depth, "weight_decay": wd if decays else 0.0})
    def loss():
        h = block(x, p, prefix, cin, width, stride, True, training).mean(dim=(2, 3))
        return F.cross_entropy(F.linear(h, p["fc.weight"], p["fc.bias"]), labels)
    clip, losses, norms = two_steps(p, groups, optimizer, lr, loss)
    for k in p:
        w.add("after." + k, p[k])
    w.meta = {"in": cin, "width": width, "stride": stride, "prefix": prefix, "classes": classes, "batch": n, "size": hw,
              "optimizer": optimizer, "bn_training": training, "momentum": MOMENTUM, "lr": lr, "layer_decay": decay,
              "weight_decay": wd, "clip": clip, "losses": losses, "norms": norms, "steps": 2}
    w.save()


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    block_case("rblock_basic_frozen", 8, 8, 1, False, False, 2, 6)
    block_case("rblock_basic_train", 8, 8, 1, False, True, 2, 6)
    block_case("rblock_bottle_frozen", 16, 8, 2, True, False, 2, 7)
    block_case("rblock_bottle_train", 16, 8, 2, True, True, 2, 7)
    step_case("rstep_sgd", "sgd", True)
    step_case("rstep_adamw", "adamw", False)
