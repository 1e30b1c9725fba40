#!/usr/bin/env python3
"""Small decode fixtures for ThawInputs: PNG/JPEG variants and what PIL's `.convert("RGB")` makes of them.

Command (from the repository root; needs numpy and pillow):
    python3 scripts/golden/decode.py
Seed: numpy default_rng(7). Writes Tests/ThawInputsTests/Fixtures/decode/<name>.{png,jpg} plus
<name>.rgb (raw u8 [h, w, 3] from PIL) and decode.json. Interlaced and 16-bit RGB PNGs are written
by a tiny encoder here (PIL cannot write them); PIL still decodes them for the expected pixels.
"""
import io, json, os, struct, zlib
import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests/ThawInputsTests/Fixtures/decode")
W, H = 13, 9

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def png_bytes(a, depth, color, interlace):
    """a: [h, w, c] array of the sample type; filter 0 on every row."""
    h, w = a.shape[:2]
    dtype = ">u2" if depth == 16 else "u1"
    def rows(sub):
        return b"".join(b"\x00" + sub[y].astype(dtype).tobytes() for y in range(sub.shape[0]))
    if interlace:
        raw = b""
        for xs, ys, dx, dy in [(0,0,8,8),(4,0,8,8),(0,4,4,8),(2,0,4,4),(0,2,2,4),(1,0,2,2),(0,1,1,2)]:
            sub = a[ys::dy, xs::dx]
            if sub.shape[0] and sub.shape[1]: raw += rows(sub)
    else:
        raw = rows(a)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 1 if interlace else 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    files = {}
    def pil(name, img, fmt="PNG", **kw):
        b = io.BytesIO(); img.save(b, fmt, **kw); files[name] = b.getvalue()
    pil("grey.png", Image.fromarray(rgb[..., 0], "L"))
    pil("grey_alpha.png", Image.fromarray(rgb[..., :2], "LA"))
    pil("palette.png", Image.fromarray(rgb).quantize(17))
    pil("rgba.png", Image.fromarray(np.dstack([rgb, rgb[..., :1]]), "RGBA"))
    pil("rgb.png", Image.fromarray(rgb))
    pil("grey1bit.png", Image.fromarray(rgb[..., 0] > 127))
    rgb16 = rng.integers(0, 65536, (H, W, 3)).astype(np.uint16)
    files["rgb16.png"] = png_bytes(rgb16, 16, 2, False)
    files["rgb_interlaced.png"] = png_bytes(rgb, 8, 2, True)
    files["rgba_interlaced.png"] = png_bytes(np.dstack([rgb, rgb[..., :1]]), 8, 6, True)
    pil("cmyk.jpg", Image.fromarray(rng.integers(0, 256, (H, W, 4), dtype=np.uint8), "CMYK"), "JPEG", quality=95)
    pil("rgb444.jpg", Image.fromarray(rgb), "JPEG", quality=90, subsampling=0)
    pil("rgb420.jpg", Image.fromarray(rgb), "JPEG", quality=90, subsampling=2)
    pil("progressive.jpg", Image.fromarray(rgb), "JPEG", quality=90, progressive=True)
    meta = []
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, name), "wb") as f: f.write(data)
        img = Image.open(io.BytesIO(data)).convert("RGB")
        arr = np.asarray(img, dtype=np.uint8)
        base = name.rsplit(".", 1)[0]
        arr.tofile(os.path.join(OUT, base + ".rgb"))
        meta.append(dict(file=name, expected=base + ".rgb", width=img.width, height=img.height))
    with open(os.path.join(OUT, "decode.json"), "w") as f: json.dump(meta, f, indent=1)

if __name__ == "__main__":
    main()
