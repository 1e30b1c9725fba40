#!/usr/bin/env python3
"""Writes the seed corpus of thaw-fuzz-image into fuzz/image/seeds/ (tiny JPEG and PNG files).

Command (from the package root): python3 fuzz/image/make_seeds.py
Needs pillow. Deterministic: pixel values come from a fixed formula, no randomness.
Each seed is one mode byte (2: format sniffed from the bytes, Exif applied; see FuzzImage.swift) + the file.
PIL writes neither 16-bit RGB nor interlaced PNGs, so those are written by `png()` below.
"""
import io
import os
import struct
import zlib

from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
W, H = 7, 5  # odd sizes: partial MCUs, odd Adam7 passes


def pixel(x, y, c):
    return (37 * x + 91 * y + 53 * c) % 256


def rgb_image(w=W, h=H):
    img = Image.new("RGB", (w, h))
    img.putdata([tuple(pixel(x, y, c) for c in range(3)) for y in range(h) for x in range(w)])
    return img


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png(w, h, color_type, depth, samples, interlace=False):
    """samples(x, y) -> list of channel values at `depth` bits; filter 0 on every row."""
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[color_type] * depth // 8

    def rows(xs, ys):
        out = b""
        for y in ys:
            line = b""
            for x in xs:
                line += b"".join(v.to_bytes(depth // 8, "big") for v in samples(x, y))
            assert len(line) == len(xs) * bpp
            out += b"\x00" + line
        return out

    if interlace:  # Adam7: (x0, y0, dx, dy) per pass; empty passes contribute nothing
        raw = b""
        for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
            xs, ys = list(range(x0, w, dx)), list(range(y0, h, dy))
            if xs and ys:
                raw += rows(xs, ys)
    else:
        raw = rows(range(w), range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1 if interlace else 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def exif_orientation(value):
    """An APP1 Exif body: a minimal little-endian TIFF with IFD0 holding Orientation (0x0112, SHORT)."""
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, value, 0) + b"\x00" * 4


def pil_bytes(img, fmt, **options):
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    return buf.getvalue()


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = rgb_image()
    seeds = {
        "rgb420.jpg": pil_bytes(rgb, "JPEG", quality=75, subsampling=2),
        "rgb444.jpg": pil_bytes(rgb, "JPEG", quality=90, subsampling=0),
        "progressive.jpg": pil_bytes(rgb_image(17, 9), "JPEG", quality=60, progressive=True),
        "grey.jpg": pil_bytes(rgb.convert("L"), "JPEG", quality=75),
        "cmyk.jpg": pil_bytes(rgb.convert("CMYK"), "JPEG", quality=75),  # PIL adds the Adobe APP14 segment
        "exif6.jpg": pil_bytes(rgb, "JPEG", quality=75, exif=exif_orientation(6)),
        "exif3.jpg": pil_bytes(rgb, "JPEG", quality=75, exif=exif_orientation(3)),
        "restart.jpg": pil_bytes(rgb_image(24, 16), "JPEG", quality=50, restart_marker_blocks=1),
        "rgb.png": pil_bytes(rgb, "PNG"),
        "rgba.png": pil_bytes(rgb.convert("RGBA"), "PNG"),
        "grey.png": pil_bytes(rgb.convert("L"), "PNG"),
        "grey-alpha.png": pil_bytes(rgb.convert("LA"), "PNG"),
        "bilevel.png": pil_bytes(rgb.convert("1"), "PNG"),
        "palette.png": pil_bytes(rgb.convert("P", palette=Image.ADAPTIVE, colors=4), "PNG", transparency=0),
        "grey16.png": png(W, H, 0, 16, lambda x, y: [pixel(x, y, 0) * 257]),
        "rgb16.png": png(W, H, 2, 16, lambda x, y: [pixel(x, y, c) * 257 for c in range(3)]),
        "interlaced.png": png(W, H, 2, 8, lambda x, y: [pixel(x, y, c) for c in range(3)], interlace=True),
        "interlaced-rgba16.png": png(W, H, 6, 16, lambda x, y: [pixel(x, y, c) * 257 for c in range(4)], interlace=True),
    }
    for name, body in seeds.items():
        Image.open(io.BytesIO(body)).convert("RGB")  # every seed must decode
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(b"\x02" + body)
    print(f"{len(seeds)} seeds, {sum(len(b) + 1 for b in seeds.values())} bytes in {OUT}")


if __name__ == "__main__":
    main()
