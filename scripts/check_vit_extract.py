"""Checks a `thaw extract --model dinov2-vits14` cache of the real photos against the float64 pure-torch
reference (scripts/reference/vit.py) end to end: decoding, PIL bicubic preprocessing, the full-size
ViT-S/14 (12 blocks, width 384, 6 heads) from the seeded weights, taps `cls` and `pool`.

    python3 scripts/golden/vit.py --vits14 /tmp/vit-s14-seeded.safetensors
    mkdir -p /tmp/photoset/animals /tmp/photoset/things   # copy the photos of scripts/deps.sh into them
    thaw extract --model dinov2-vits14 --weights /tmp/vit-s14-seeded.safetensors --data /tmp/photoset \
        --cache /tmp/vitphotos --tap cls --tap pool --dtype f32
    python3 scripts/check_vit_extract.py /tmp/vitphotos /tmp/photoset

Prints max |thaw − torch| / max_abs per photo (2026-12-03: ≤ 7.0e-7 on the 7 photos); exits 1 above 1e-4.
"""
import json, struct, sys, os
import lmdb, numpy as np, torch
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference")); sys.path.insert(0, os.path.join(ROOT, "scripts"))
CACHE, DATA = sys.argv[1], sys.argv[2]
import vit
from torchvision_pil import load_photo
from PIL import Image
from read_cache import decode
env = lmdb.open(CACHE, readonly=True, lock=False, max_dbs=4, subdir=True)
spec = vit.Spec(384, 12, 6, 1536, 14, 16, layer_scale=True, pooling="class-and-patch-mean")
P = vit.seeded_parameters(spec, 2026)
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1); std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
with env.begin() as txn:
    db = env.open_db(b"records", txn=txn)
    worst = 0
    for key, value in txn.cursor(db):
        stored, label, split, id_len = struct.unpack_from("<IiHH", value, 4)
        sid = value[16:16 + id_len].decode()
        offset = 16 + (id_len + 3) // 4 * 4
        cls = np.frombuffer(value[offset:offset + 384 * 4], "<f4"); pool = np.frombuffer(value[offset + 384 * 4:offset + (384 + 768) * 4], "<f4")
        x = load_photo(os.path.join(DATA, sid), 256, 224, Image.BICUBIC) / 255
        x = ((x - mean) / std).float().permute(0, 2, 3, 1)
        ref = vit.forward(spec, P, x, "timm")
        e = max(np.abs(cls - ref["cls"][0].numpy()).max() / np.abs(ref["cls"].numpy()).max(), np.abs(pool - ref["pool"][0].numpy()).max() / np.abs(ref["pool"].numpy()).max())
        worst = max(worst, e)
        print(sid, f"max |thaw - torch| / max_abs = {e:.2e}")
print("worst", worst)
sys.exit(0 if worst <= 1e-4 else 1)
