#!/usr/bin/env python3
"""PyTorch peer of `thaw finetune --from blocks.11` run from raw images: one epoch of EfficientNet-Lite0
blocks 12-15 + head + fc (torch_side.py's model, AdamW lr 1e-3 wd 0.01, clip 1.0, BN eval with affine
trained, batch 64) where every epoch re-prepares the first `rows` Fashion-MNIST training images
(u8 grey -> PIL RGB -> Resize(256) bilinear antialias -> CenterCrop(224) -> (x - 127) / 128, in the
training thread like a DataLoader with num_workers=0) and runs the frozen stem + blocks 0-11
(BN eval) under torch.no_grad(). 2 threads. The IDX file is gunzipped once before timing (Thaw's
IDX source also holds the pixels in memory).

Prints one JSON line per epoch: {"side": "torch-raw", "rows", "batch", "epoch", "maps_per_s", "seconds"}.
Command: python3 benchmarks/finetune/torch_raw.py [rows] [batch] [epochs]
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_side import Top, same_pad, sd, train_epoch  # noqa: E402

FMNIST = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
# Lite0 strides of blocks 0-11 (kernel, expansion and widths come from the weights).
STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2]


def bn_eval(x, pre):
    return F.batch_norm(x, sd[pre + ".running_mean"].float(), sd[pre + ".running_var"].float(),
                        sd[pre + ".weight"].float(), sd[pre + ".bias"].float(), False, 0.0, 1e-3)


def frozen_bottom(x):
    """Stem + blocks 0-11 of Lite0 in inference mode: [N, 3, 224, 224] -> [N, 192, 7, 7]."""
    x = F.relu6(bn_eval(F.conv2d(same_pad(x, 3, 2), sd["_conv_stem.weight"].float(), stride=2), "_bn0"))
    for i, s in enumerate(STRIDES):
        pre = "_blocks.%d." % i
        h = x
        if pre + "_expand_conv.weight" in sd:
            h = F.relu6(bn_eval(F.conv2d(h, sd[pre + "_expand_conv.weight"].float()), pre + "_bn0"))
        dw = sd[pre + "_depthwise_conv.weight"].float()
        h = F.conv2d(same_pad(h, dw.shape[2], s), dw, stride=s, groups=dw.shape[0])
        h = F.relu6(bn_eval(h, pre + "_bn1"))
        h = bn_eval(F.conv2d(h, sd[pre + "_project_conv.weight"].float()), pre + "_bn2")
        x = h + x if h.shape == x.shape and s == 1 else h
    return x


def read_images(rows):
    with gzip.open(FMNIST, "rb") as f:
        data = f.read()
    n, hh, ww = (int.from_bytes(data[4 * i:4 * i + 4], "big") for i in (1, 2, 3))
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, hh, ww)[:rows]


def resize_crop(image, short=256, crop=224):
    """torchvision's Resize(256) + CenterCrop(224) on a PIL image, with PIL alone (torchvision's wheel is built
    against another torch than the CPU one the benchmarks pin): the shorter side scaled to 256 (bilinear,
    antialiased), the longer to int(256 * long / short), then the centre 224 × 224."""
    w, h = image.size
    size = (short, int(short * h / w)) if w <= h else (int(short * w / h), short)
    image = image.resize(size, Image.BILINEAR)
    left, top = int(round((size[0] - crop) / 2.0)), int(round((size[1] - crop) / 2.0))
    return image.crop((left, top, left + crop, top + crop))


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 512
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_num_threads(2)
    torch.manual_seed(0)
    grey = read_images(rows)
    y = torch.arange(rows) % 10
    m = Top().to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.01)

    def batches():
        for b in range(0, rows, batch):
            imgs = [np.asarray(resize_crop(Image.fromarray(g).convert("RGB"))) for g in grey[b:b + batch]]
            x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float().sub_(127).div_(128)
            with torch.no_grad():
                maps = frozen_bottom(x.contiguous(memory_format=torch.channels_last))
            yield maps, y[b:b + batch]

    for epoch in range(epochs):
        t0 = time.perf_counter()
        done = train_epoch(m, opt, batches())
        dt = time.perf_counter() - t0
        print(json.dumps({"side": "torch-raw", "rows": done, "batch": batch, "epoch": epoch,
                          "maps_per_s": round(done / dt, 2), "seconds": round(dt, 3)}), flush=True)


if __name__ == "__main__":
    main()
