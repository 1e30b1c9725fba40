"""torchvision's PIL-path `Resize(s)` → `CenterCrop(c)` → `PILToTensor`, without importing torchvision.

torchvision's PyPI wheel is a CUDA build that fails to load beside the CPU torch, so the golden
scripts that cannot import it use this. The rules (torchvision.transforms.functional, PIL backend):
- Resize(s): the shorter side becomes s, the longer `int(s * long / short)` (truncated); PIL
  `Image.resize(..., BILINEAR)` (PIL always antialiases when shrinking), result uint8.
- CenterCrop(c): top = int(round((h − c) / 2.0)), left likewise (Python rounds half to even).
`scripts/golden/mobilenet_v2.py` checks it against the torchvision-made ThawInputs fixtures.
"""
import numpy as np
import torch
from PIL import Image
from thaw_assets import IMAGENET_CLASSES


def load_photo(path, resize=256, crop=224, resample=Image.BILINEAR):
    """(1, 3, crop, crop) float32, values 0…255 (no scaling). `resample=Image.BICUBIC` is
    `Resize(s, interpolation=BICUBIC)` (timm, DINOv2 and CLIP evaluation)."""
    img = Image.open(path).convert("RGB")
    w, h = img.size
    if w <= h:
        size = (resize, int(resize * h / w))
    else:
        size = (int(resize * w / h), resize)
    img = img.resize(size, resample)
    w, h = img.size
    top, left = int(round((h - crop) / 2.0)), int(round((w - crop) / 2.0))
    img = img.crop((left, top, left + crop, top + crop))
    a = np.asarray(img, dtype=np.uint8).transpose(2, 0, 1).copy()
    return torch.from_numpy(a).to(torch.float32).unsqueeze(0)


def imagenet_names(path=IMAGENET_CLASSES):
    """Line i of the tab-separated file (wnid, name) is class i."""
    with open(path) as f:
        return [line.rstrip("\n").split("\t", 1)[1] for line in f]
