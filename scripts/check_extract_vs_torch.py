"""Checks a `thaw extract` cache of the real photos against the float64 pure-torch references end to end:
decoding, PIL bicubic preprocessing and the full-size network from seeded weights. Models: dinov2-vits14
(scripts/reference/vit.py; 12 blocks, width 384, 6 heads; taps `cls` and `pool`) and convnext-tiny
(scripts/reference/convnext.py; taps `pool` and `fc`).

    python3 scripts/golden/vit.py --vits14 /tmp/vit-s14-seeded.safetensors
    mkdir -p /tmp/photoset/animals /tmp/photoset/things   # copy the photos of scripts/deps.sh into them
    thaw extract --model dinov2-vits14 --weights /tmp/vit-s14-seeded.safetensors --data /tmp/photoset \
        --cache /tmp/vitphotos --tap cls --tap pool --dtype f32
    python3 scripts/check_extract_vs_torch.py /tmp/vitphotos /tmp/photoset
    # ConvNeXt-T: scripts/golden/convnext.py --tiny /tmp/convnext-tiny-seeded.safetensors, then
    #   thaw extract --model convnext-tiny --weights … --tap pool --tap fc --dtype f32 --cache /tmp/cnphotos
    python3 scripts/check_extract_vs_torch.py /tmp/cnphotos /tmp/photoset --model convnext-tiny

Prints max |thaw − torch| / max_abs per photo and tap (2026-12-03, 7 photos: dinov2-vits14 ≤ 7.0e-7, convnext-tiny ≤ 4.7e-7);
exits 1 above 1e-4.
"""
import struct, sys, os
import lmdb, numpy as np, torch
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference")); sys.path.insert(0, os.path.join(ROOT, "scripts"))
CACHE, DATA = sys.argv[1], sys.argv[2]
MODEL = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--model" else "dinov2-vits14"
import vit
import convnext
from torchvision_pil import load_photo
from PIL import Image
env = lmdb.open(CACHE, readonly=True, lock=False, max_dbs=4, subdir=True)
if MODEL == "dinov2-vits14":
    spec = vit.Spec(384, 12, 6, 1536, 14, 16, layer_scale=True, pooling="class-and-patch-mean")
    P = vit.seeded_parameters(spec, 2026)
    taps = [("cls", 384), ("pool", 768)]
    reference = lambda x: vit.forward(spec, P, x, "timm")
else:
    dims, depths = [96, 192, 384, 768], [3, 3, 9, 3]
    P = convnext.seeded_parameters(dims, depths, 1000, 2026)
    taps = [("pool", 768), ("fc", 1000)]
    reference = lambda x: convnext.forward(dims, depths, P, x)
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1); std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
with env.begin() as txn:
    db = env.open_db(b"records", txn=txn)
    worst = 0
    for key, value in txn.cursor(db):
        stored, label, split, id_len = struct.unpack_from("<IiHH", value, 4)
        sid = value[16:16 + id_len].decode()
        offset = 16 + (id_len + 3) // 4 * 4
        x = load_photo(os.path.join(DATA, sid), 256, 224, Image.BICUBIC) / 255
        x = ((x - mean) / std).float().permute(0, 2, 3, 1)
        ref = reference(x)
        e = 0
        for name, width in taps:   # records hold the taps in the order extracted, float32
            got = np.frombuffer(value[offset:offset + width * 4], "<f4")
            offset += width * 4
            want = ref[name][0].numpy()
            e = max(e, np.abs(got - want).max() / np.abs(want).max())
        worst = max(worst, e)
        print(sid, f"max |thaw - torch| / max_abs = {e:.2e}")
print("worst", worst)
sys.exit(0 if worst <= 1e-4 else 1)
