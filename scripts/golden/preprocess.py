#!/usr/bin/env python3
"""Golden tensors for ThawInputs preprocessing: torchvision's PIL path on the real photos and on
Fashion-MNIST samples upscaled to 224.

Command (from the repository root; needs torch, torchvision, pillow, numpy):
    python3 scripts/golden/preprocess.py
Seed: none needed (no randomness). Writes Tests/ThawInputsTests/Fixtures/preprocess/*.
Each tensor is NHWC [H, W, 3] float16 little-endian (.f16); preprocess.json lists them.
Fashion-MNIST outputs keep every 2nd row and column ([112, 112, 3]) to keep fixtures small.
"""
import gzip, json, os
import numpy as np
import torch
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests/ThawInputsTests/Fixtures/preprocess")
import sys  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from thaw_assets import PHOTOS  # noqa: E402
from torchvision_cpu import transforms as T  # noqa: E402
FASHION = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"

IMAGENET = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                      T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
# EfficientNet-Lite: (x - 127) / 128 on 0-255 values == Normalize(127/255, 128/255) after ToTensor.
EFFLITE = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                     T.Normalize([127 / 255] * 3, [128 / 255] * 3)])
FASHION224 = T.Compose([T.Resize(224), T.CenterCrop(224), T.ToTensor(),
                        T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

def save(name, chw, stride, meta):
    hwc = chw.permute(1, 2, 0).numpy()[::stride, ::stride, :]
    hwc.astype("<f2").tofile(os.path.join(OUT, name + ".f16"))
    meta.update(file=name + ".f16", shape=list(hwc.shape), stride=stride)
    return meta

def main():
    os.makedirs(OUT, exist_ok=True)
    entries = []
    plan = [("chelsea.png", "imagenet"), ("coffee.png", "imagenet"), ("dog.jpg", "imagenet"),
            ("horses.jpg", "imagenet"), ("motorcycle_left.png", "imagenet"),
            ("astronaut.png", "efficientnet-lite"), ("eagle.jpg", "efficientnet-lite")]
    for photo, preset in plan:
        img = Image.open(os.path.join(PHOTOS, photo)).convert("RGB")
        t = (IMAGENET if preset == "imagenet" else EFFLITE)(img)
        entries.append(save(photo.split(".")[0] + "_" + preset, t, 1,
                            dict(kind="photo", source=photo, preset=preset, width=img.width, height=img.height)))
    with gzip.open(FASHION, "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8)
    images = raw[16:].reshape(-1, 28, 28)
    for i in range(3):
        img = Image.fromarray(images[i], mode="L").convert("RGB")
        entries.append(save(f"fashion_t10k_{i}_224", FASHION224(img), 2,
                            dict(kind="fashion-mnist", source="t10k-images-idx3-ubyte.gz", index=i,
                                 preset="imagenet", resize=224, crop=224)))
    with open(os.path.join(OUT, "preprocess.json"), "w") as f:
        json.dump(dict(torch=torch.__version__, entries=entries), f, indent=1)

if __name__ == "__main__":
    main()
