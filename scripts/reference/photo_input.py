"""Photo → 0–255 float tensor exactly as torchvision does it (PIL path), and ImageNet class names.

`load_photo(path, resize, crop)`: PIL open → RGB → torchvision `Resize(resize)` (short side, bilinear,
antialias, PIL backend so the result is rounded to uint8) → `CenterCrop(crop)` → float32 NCHW (1,3,crop,crop)
with values 0…255 (no scaling). Normalisation is the backbone's business.
"""
import torch
from PIL import Image
from thaw_assets import IMAGENET_CLASSES as CLASSES, PHOTOS
from torchvision_cpu import transforms
PHOTO_NAMES = ["chelsea.png", "coffee.png", "astronaut.png", "motorcycle_left.png", "dog.jpg", "eagle.jpg", "horses.jpg"]


def load_photo(path, resize=256, crop=224):
    img = Image.open(path).convert("RGB")
    tf = transforms.Compose([
        transforms.Resize(resize, interpolation=transforms.InterpolationMode.BILINEAR, antialias=True),
        transforms.CenterCrop(crop),
        transforms.PILToTensor(),
    ])
    return tf(img).to(torch.float32).unsqueeze(0)  # (1, 3, crop, crop), 0…255


def imagenet_names():
    """Line i of the tab-separated file (wnid, name) is class i."""
    with open(CLASSES) as f:
        return [line.rstrip("\n").split("\t", 1)[1] for line in f]
