#!/usr/bin/env python3
"""PyTorch peer of `thaw finetune --from layer3` on a ResNet-18 cache at 224×224 input:
layer4 + average pool + linear(512→10) on [N, 256, 14, 14] maps, AdamW lr 1e-3, batch 32,
BN frozen (eval) or train, clipping at 1. Prints training maps/s (forward + backward + step).
Run: python3 benchmarks/finetune-resnet/torch_resnet_layer4.py [rows] [frozen|train]   (seed 0)
"""
import sys
import time

import torch
import torchvision

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 58
bn = sys.argv[2] if len(sys.argv) > 2 else "frozen"
torch.manual_seed(0)
torch.set_num_threads(2)
net = torchvision.models.resnet18(num_classes=10)
model = torch.nn.Sequential(net.layer4, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(512, 10))
model.train()
if bn == "frozen":
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
x = torch.randn(rows, 256, 14, 14).relu()
y = torch.randint(0, 10, (rows,))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
for epoch in range(2):
    t0 = time.perf_counter()
    for b in range(0, rows, 32):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[b:b + 32]), y[b:b + 32])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    dt = time.perf_counter() - t0
    print("torch epoch %d bn %s: %.1f maps/s" % (epoch + 1, bn, rows / dt))
