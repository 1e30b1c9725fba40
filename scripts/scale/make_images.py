#!/usr/bin/env python3
"""Makes an ImageNet-sized folder of real-photo JPEGs for scale runs (docs/scale.md).

    python3 scripts/scale/make_images.py $SCALE_DATA/in100k [--count 100000] [--classes 100] [--seed 19]

The seven real photos that `scripts/deps.sh` installs (/usr/local/share/thaw/photos: skimage's chelsea,
coffee, astronaut, motorcycle_left; darknet's dog, eagle, horses) are cropped, scaled, tinted, flipped,
lightly grained and re-encoded as JPEG into class folders OUT/cNNN/NNNNNNN.jpg. Class c draws from
photo c mod 7 around a class-specific anchor, so the classes are learnable but not trivial.

Sizes follow ImageNet-1k train's shape (mean ≈ 470×390, 500×375 and 500×333 the most common, a long
tail past 1,000 px): the longer side is 500 for 55% of images, 250–499 for 30%, 500–1,200 for 12% and
1,200–2,500 for 3%; landscape 78%, portrait 22%; aspect 4:3, 3:2, 5:4 or 1:1. JPEG quality 90–96 and a
mild grain bring the mean file near ImageNet's ≈110 KB (≈140 GB / 1.28 M files). Measured: 106.9 kB mean
over the first 50,000 files; median 500×375, mean 501×420 over a 1,000-file sample; ~7 ms of CPU per image.

Deterministic: image i depends only on (seed, i), whatever the process count; existing files are kept,
so an interrupted run resumes. Files are written to a temporary name, then renamed.
"""
import argparse
import os
import random
import sys
from multiprocessing import Pool

import numpy as np
from PIL import Image

PHOTOS = "/usr/local/share/thaw/photos"
NAMES = ["chelsea.png", "coffee.png", "astronaut.png", "motorcycle_left.png", "dog.jpg", "eagle.jpg", "horses.jpg"]
ASPECTS = [(4 / 3, 0.55), (3 / 2, 0.30), (5 / 4, 0.10), (1.0, 0.05)]

_sources = None  # per worker: the seven photos, RGB
_grain = None    # per worker: [GRAIN, GRAIN, 3] int16 standard-normal grain ×2 (σ 2), sliced at a random offset
GRAIN = 2600
QMIN, QMAX = 90, 96     # ≥ the largest image side


def load_sources():
    global _sources
    if _sources is None:
        missing = [n for n in NAMES if not os.path.exists(os.path.join(PHOTOS, n))]
        if missing:
            sys.exit(f"make_images.py: {PHOTOS} lacks {', '.join(missing)}. Fix: run scripts/deps.sh (it installs the photos).")
        _sources = [Image.open(os.path.join(PHOTOS, n)).convert("RGB") for n in NAMES]
    return _sources


def grain(seed):
    """Drawn once per process (a fixed seed, so every process holds the same field)."""
    global _grain
    if _grain is None:
        _grain = np.round(np.random.default_rng(seed).normal(0, 2, (GRAIN, GRAIN, 3))).astype(np.int16)
    return _grain


def pick(rng, table):
    r, acc = rng.random(), 0.0
    for value, p in table:
        acc += p
        if r < acc:
            return value
    return table[-1][0]


def target_size(rng):
    """(width, height) drawn from the ImageNet-like distribution in the module comment."""
    r = rng.random()
    if r < 0.55:
        long = 500
    elif r < 0.85:
        long = rng.randint(250, 499)
    elif r < 0.97:
        long = int(round(500 * (1200 / 500) ** rng.random()))
    else:
        long = int(round(1200 * (2500 / 1200) ** rng.random()))
    short = max(64, int(round(long / pick(rng, ASPECTS))))
    return (long, short) if rng.random() < 0.78 else (short, long)


def make(index, seed, classes, count, out):
    cls = index % classes
    path = os.path.join(out, f"c{cls:03d}", f"{index:07d}.jpg")
    if os.path.exists(path):
        return os.path.getsize(path)
    rng = random.Random(seed * 1_000_003 + index)
    src = load_sources()[cls % len(NAMES)]
    w, h = target_size(rng)
    # Crop box with the target's aspect, 30–100% of the largest such box, centred near the class anchor.
    sw, sh = src.size
    aspect = w / h
    bw, bh = (sw, sw / aspect) if sw / aspect <= sh else (sh * aspect, sh)
    scale = (0.3 + 0.7 * rng.random()) ** 0.5
    bw, bh = bw * scale, bh * scale
    anchor = random.Random(seed * 7919 + cls)
    ax, ay = anchor.random(), anchor.random()
    cx = min(max(ax * sw + rng.gauss(0, 0.1 * sw), bw / 2), sw - bw / 2)
    cy = min(max(ay * sh + rng.gauss(0, 0.1 * sh), bh / 2), sh - bh / 2)
    box = (cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2)
    image = src.resize((w, h), Image.BICUBIC, box=box)
    if rng.random() < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    # Per-channel gain (a colour cast, ±15%) and grain (σ 2–10 grey levels), as a camera would leave.
    gains = [1 + 0.15 * (2 * rng.random() - 1) for _ in range(3)]
    image = Image.merge("RGB", [band.point(lambda v, g=g: min(255, int(v * g))) for band, g in zip(image.split(), gains)])
    field = grain(seed)
    ox, oy, k = rng.randrange(GRAIN - w + 1), rng.randrange(GRAIN - h + 1), rng.randint(1, 5)
    pixels = np.asarray(image, dtype=np.int16) + field[oy:oy + h, ox:ox + w] * k
    pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    tmp = path + ".tmp"
    Image.fromarray(pixels).save(tmp, "JPEG", quality=rng.randint(QMIN, QMAX))
    os.replace(tmp, path)
    return os.path.getsize(path)


def work(args):
    start, stop, seed, classes, count, out = args
    return [make(i, seed, classes, count, out) for i in range(start, stop)]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", help="output folder (class folders cNNN inside)")
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--classes", type=int, default=100)
    p.add_argument("--seed", type=int, default=19)
    p.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    a = p.parse_args()
    if a.count < 1 or a.classes < 1:
        sys.exit("make_images.py: --count and --classes must be positive. Fix: e.g. --count 100000 --classes 100")
    load_sources()
    for c in range(a.classes):
        os.makedirs(os.path.join(a.out, f"c{c:03d}"), exist_ok=True)
    chunk = 500
    jobs = [(s, min(s + chunk, a.count), a.seed, a.classes, a.count, a.out) for s in range(0, a.count, chunk)]
    total, n = 0, 0
    with Pool(a.processes) as pool:
        for sizes in pool.imap(work, jobs):
            total += sum(sizes)
            n += len(sizes)
            if n % 10_000 == 0 or n == a.count:
                print(f"{n}/{a.count} images, mean {total / n / 1000:.1f} kB", flush=True)
    print(f"wrote {n} JPEGs in {a.classes} class folders under {a.out}: {total / 1e9:.2f} GB, mean {total / n / 1000:.1f} kB")


if __name__ == "__main__":
    main()
