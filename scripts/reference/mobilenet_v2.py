"""torchvision's MobileNetV2 (width 1.0) in plain PyTorch, with torchvision's key names.

Reference for Thaw's Swift backbone (golden files); never a runtime dependency. Written out
because torchvision's PyPI wheel is a CUDA build that fails to load beside the CPU torch.

Architecture facts (torchvision.models.mobilenetv2, Sandler et al. 2018 Table 2):
- `features.0`: Conv 3×3 stride 2 padding 1 (3 → 32, no bias) + BN + ReLU6.
- `features.1` … `features.17`: inverted residuals, settings (t, c, n, s) =
  (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2) (6,320,1,1); hidden = in·t;
  expand 1×1 + BN + ReLU6 (absent when t = 1) → depthwise 3×3 stride s padding 1 + BN + ReLU6 →
  project 1×1 + BN (no activation) → + input when stride 1 and in == out.
  Keys: t = 1: `conv.0.0` dw, `conv.0.1` BN, `conv.1` project, `conv.2` BN;
        t ≠ 1: `conv.0.0` expand, `conv.0.1` BN, `conv.1.0` dw, `conv.1.1` BN, `conv.2` project, `conv.3` BN.
- `features.18`: Conv 1×1 (320 → 1280) + BN + ReLU6. Then mean over H, W, Dropout(0.2) (identity in
  eval), `classifier.1` Linear(1280 → 1000).
- BatchNorm eps 1e-5 (PyTorch default); symmetric padding (not TF SAME).
- Input: RGB /255, then Normalize(mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225]), NCHW.

Cut points (`forward_taps`): `features.0` … `features.18`, `pool`, `fc`.
"""
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


class ConvBNReLU6(nn.Sequential):
    """`.0` conv (no bias), `.1` BatchNorm, then ReLU6 (torchvision's Conv2dNormActivation)."""

    def __init__(self, cin, cout, k=3, stride=1, groups=1):
        super().__init__(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu6(super().forward(x))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        layers = [] if t == 1 else [ConvBNReLU6(cin, hidden, k=1)]
        layers += [ConvBNReLU6(hidden, hidden, stride=stride, groups=hidden),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.skip = stride == 1 and cin == cout

    def forward(self, x):
        y = self.conv(x)
        return x + y if self.skip else y


class MobileNetV2(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        layers = [ConvBNReLU6(3, 32, stride=2)]
        cin = 32
        for t, c, n, s in SETTINGS:
            for j in range(n):
                layers.append(InvertedResidual(cin, c, s if j == 0 else 1, t))
                cin = c
        layers.append(ConvBNReLU6(cin, 1280, k=1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward_taps(self, x):
        """NCHW input, already normalised; returns OrderedDict cut point → tensor."""
        taps = OrderedDict()
        for i, layer in enumerate(self.features):
            x = layer(x)
            taps[f"features.{i}"] = x
        x = x.mean(dim=(2, 3))
        taps["pool"] = x
        taps["fc"] = self.classifier(x)
        return taps

    def forward(self, x):
        return self.forward_taps(x)["fc"]


def load_mobilenet_v2(path):
    """Builds MobileNetV2, loads the torchvision state dict at `path` strictly, eval mode."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = MobileNetV2(state["classifier.1.weight"].shape[0])
    model.load_state_dict(state, strict=True)
    return model.eval()


def normalise(rgb_0_255):
    """torchvision's ToTensor + Normalize on a float32 tensor of 0–255 RGB values (NCHW), in float32."""
    x = rgb_0_255.to(torch.float32) / 255.0
    mean = torch.tensor(MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - mean) / std
