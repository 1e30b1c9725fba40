#!/usr/bin/env python3
"""PyTorch peer of `thaw finetune` on a ConvNeXt-T cache at 224×224 input (the default boundary `stages.2`):
stage 3 (LN + conv 2×2 s2 384→768, three blocks) + mean → LN → linear(768→10) on [N, 14, 14, 384] maps,
AdamW lr 1e-3, batch 32, clipping at 1, drop-path off. Written in pure torch from scripts/reference/convnext.py's
block (no timm); the layout is channels_last for the convolutions, as timm runs ConvNeXt. Prints training maps/s
(forward + backward + step) per epoch.
Run: python3 benchmarks/finetune-convnext/torch_convnext_stage3.py [rows]   (seed 0, 2 threads)
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 58
torch.manual_seed(0)
torch.set_num_threads(2)


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):   # NCHW, over C
        return F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps).permute(0, 3, 1, 2)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv_dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.fc1, self.fc2 = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(torch.full((c,), 1e-6))

    def forward(self, x):
        y = self.conv_dw(x).permute(0, 2, 3, 1)
        y = self.fc2(F.gelu(self.fc1(self.norm(y)))) * self.gamma
        return x + y.permute(0, 3, 1, 2)


model = nn.Sequential(LayerNorm2d(384, eps=1e-6), nn.Conv2d(384, 768, 2, stride=2), Block(768), Block(768), Block(768),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.LayerNorm(768, eps=1e-6), nn.Linear(768, 10))
model = model.to(memory_format=torch.channels_last).train()
x = torch.randn(rows, 384, 14, 14).contiguous(memory_format=torch.channels_last)
y = torch.randint(0, 10, (rows,))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
for epoch in range(2):
    t0 = time.perf_counter()
    for b in range(0, rows, 32):
        opt.zero_grad()
        loss = F.cross_entropy(model(x[b:b + 32]), y[b:b + 32])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    dt = time.perf_counter() - t0
    print("torch epoch %d: %.1f maps/s" % (epoch + 1, rows / dt))
