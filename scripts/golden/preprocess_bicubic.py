"""Golden uint8 images for ThawInputs' bicubic resize (presets `imagenet-bicubic` and `clip`): PIL's
`Image.resize(..., BICUBIC)` (antialiased when shrinking, as torchvision's `Resize(s, BICUBIC)` on a PIL
image) then torchvision's CenterCrop, on the real photos.

Command (from the repository root; needs pillow, numpy, torch, and the photos of scripts/deps.sh):
    python3 scripts/golden/preprocess_bicubic.py
No randomness. Writes Tests/ThawInputsTests/Fixtures/preprocess/bicubic/: <photo>_<resize>_<crop>.u8, raw
[crop, crop, 3] uint8 (HWC), listed in bicubic.json. uint8, so the test can demand bit equality.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from torchvision_pil import load_photo  # noqa: E402

PHOTOS = "/usr/local/share/thaw/photos"
OUT = os.path.join(ROOT, "Tests", "ThawInputsTests", "Fixtures", "preprocess", "bicubic")
# (resize, crop): strong shrink (support widens ~6×), the DINOv2/DeiT eval sizes, CLIP's, an upscale.
SIZES = {"chelsea.png": [(72, 64), (256, 224), (224, 224)], "coffee.png": [(72, 64)], "astronaut.png": [(72, 64)],
         "motorcycle_left.png": [(72, 64)], "dog.jpg": [(72, 64), (700, 64)], "eagle.jpg": [(72, 64)], "horses.jpg": [(72, 64)]}


def main():
    os.makedirs(OUT, exist_ok=True)
    entries = []
    for photo, sizes in SIZES.items():
        for resize, crop in sizes:
            a = load_photo(os.path.join(PHOTOS, photo), resize, crop, Image.BICUBIC)[0].numpy().astype(np.uint8)
            name = f"{os.path.splitext(photo)[0]}_{resize}_{crop}.u8"
            np.ascontiguousarray(a.transpose(1, 2, 0)).tofile(os.path.join(OUT, name))
            entries.append({"source": photo, "resize": resize, "crop": crop, "file": name})
    with open(os.path.join(OUT, "bicubic.json"), "w") as f:
        json.dump({"format": "raw uint8 [crop, crop, 3] HWC", "entries": entries}, f, indent=1)
        f.write("\n")
    print(f"{len(entries)} images")


if __name__ == "__main__":
    main()
