"""`Bundle.to_torch()`: the head as a torch nn.Module with the bundle's weights (float32).

Same forward as `_head` (docs/bundle-format.md): round to the tap dtype, pool, Linear → [LayerNorm
eps 1e-5] → ReLU / exact GELU, Linear, softmax. Modules: `hidden` (Linear, LayerNorm and
activation layers in order), `out`, and the parameter `gem_p` with GeM pooling.
"""
import math

from ._head import GEM_EPS, LAYER_NORM_EPS
from ._torch import require_torch


def head_module(bundle, probabilities=True):
    torch = require_torch("Bundle.to_torch")
    nn = torch.nn
    round_dtype = {"f32": None, "f16": torch.float16, "bf16": torch.bfloat16}[bundle.tap_info["dtype"]]
    t = {k: torch.from_numpy(v.copy()) for k, v in bundle.tensors.items()}
    hidden = bundle.head["hidden"]

    class ThawHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.pooling, self.tap_shape, self.probabilities = bundle.pooling, list(bundle.tap_info["shape"]), probabilities
            widths = [t["head.out.weight"].shape[1] if not hidden else t["head.fc1.weight"].shape[1]] + hidden
            layers = []
            for i, width in enumerate(hidden, start=1):
                fc = nn.Linear(widths[i - 1], width)
                fc.weight.data.copy_(t[f"head.fc{i}.weight"]); fc.bias.data.copy_(t[f"head.fc{i}.bias"])
                layers.append(fc)
                if bundle.head.get("layerNorm"):
                    ln = nn.LayerNorm(width, eps=LAYER_NORM_EPS)
                    ln.weight.data.copy_(t[f"head.ln{i}.weight"]); ln.bias.data.copy_(t[f"head.ln{i}.bias"])
                    layers.append(ln)
                layers.append(nn.ReLU() if bundle.head["activation"] == "relu" else nn.GELU(approximate="none"))
            self.hidden = nn.Sequential(*layers)
            self.out = nn.Linear(widths[-1], len(bundle.classes))
            self.out.weight.data.copy_(t["head.out.weight"]); self.out.bias.data.copy_(t["head.out.bias"])
            if self.pooling == "gem":
                self.gem_p = nn.Parameter(t["head.gem.p"].clone())

        def forward(self, x):                     # x [N, *tap shape]
            x = x.float()
            if round_dtype is not None:           # the head sees what it was trained on
                x = x.to(round_dtype).float()
            n = x.shape[0]
            if self.pooling == "none":
                x = x.reshape(n, math.prod(self.tap_shape))
            else:
                maps = x.reshape(n, math.prod(self.tap_shape[:-1]), self.tap_shape[-1])     # [N, S, C]
                if self.pooling == "avg":
                    x = maps.mean(dim=1)
                elif self.pooling == "max":
                    x = maps.amax(dim=1)
                elif self.pooling == "avgmax":
                    x = torch.cat([maps.mean(dim=1), maps.amax(dim=1)], dim=1)
                else:
                    x = maps.clamp(min=GEM_EPS).pow(self.gem_p).mean(dim=1).pow(1.0 / self.gem_p)
            z = self.out(self.hidden(x))
            return torch.softmax(z, dim=1) if self.probabilities else z

    return ThawHead().eval()
