"""Named cut points of a torchvision ResNet (18/34/50/101/152), in Thaw's naming.

`stem` = conv1 + bn1 + relu + maxpool, `layer1` … `layer4`, `pool` (global average, (N, C)), `fc` (logits).
Eval mode is the caller's job (BatchNorm uses running statistics only in eval).
"""
from collections import OrderedDict

RESNET_CUT_POINTS = ["stem", "layer1", "layer2", "layer3", "layer4", "pool", "fc"]


def resnet_taps(m, x):
    taps = OrderedDict()
    x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
    taps["stem"] = x
    for name in ("layer1", "layer2", "layer3", "layer4"):
        x = getattr(m, name)(x)
        taps[name] = x
    x = x.mean(dim=(2, 3))
    taps["pool"] = x
    taps["fc"] = m.fc(x)
    return taps
