"""Real torchvision checkpoints for ResNet's env-gated loading test (too big to commit).

    python scripts/golden/resnet_torchvision_pth.py /tmp/thaw-resnet-pth
    THAW_RESNET_PTH_DIR=/tmp/thaw-resnet-pth swift test --skip-build --filter ResNetTests

Writes, for torchvision resnet18 and resnet50 (weights=None, torch.manual_seed(0), BN statistics
randomised so folding matters): <name>.pth (zip, keys under `module.` as nn.DataParallel saves them),
<name>_legacy.pth (pre-1.6 format), input.bin ([1,64,64,3] NHWC float32, seed 1) and <name>_fc.bin
([1,1000], eval-mode float64 forward rounded to float32).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from torchvision_cpu import torchvision  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
x.permute(0, 2, 3, 1).contiguous().numpy().astype("<f4").tofile(os.path.join(out, "input.bin"))
for name in ("resnet18", "resnet50"):
    model = getattr(torchvision.models, name)(weights=None).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    state = model.state_dict()
    torch.save({"module." + k: v for k, v in state.items()}, os.path.join(out, f"{name}.pth"))
    torch.save(state, os.path.join(out, f"{name}_legacy.pth"), _use_new_zipfile_serialization=False)
    with torch.no_grad():
        y = model.double()(x.double()).float()
    y.numpy().astype("<f4").tofile(os.path.join(out, f"{name}_fc.bin"))
    print(name, "fc max_abs", float(y.abs().max()))
