"""Thaw vs PyTorch on EfficientNet-Lite0 (and MobileNetV2) at 224, batch 1 and 32, alternating runs.

    python3 benchmarks/backbones/run.py [--rounds 5] [--seconds 6] [--cases lite0-b1,lite0-b32,mbv2-b1,mbv2-b32]

Builds thaw-backbones-bench (release), then for each round and case runs Thaw, then PyTorch
(benchmarks/backbones/torch_side.py: 2 threads, channels_last), each in a fresh process. The
machine is shared and drifts, so each round's pair is compared as a ratio; prints the median
images/s of each side, the median of the per-round ratios Thaw/PyTorch, and Thaw's peak RSS.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run(cmd):
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--cases", default="lite0-b1,lite0-b32")
    a = ap.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--product", "thaw-backbones-bench"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    results = {c: {"thaw": [], "torch": [], "ratio": [], "rss": []} for c in a.cases.split(",")}
    for r in range(a.rounds):
        for case in results:
            t = run([".build/release/thaw-backbones-bench", "--only", case, "--seconds", str(a.seconds)])
            p = run([sys.executable, "benchmarks/backbones/torch_side.py", "--only", case, "--seconds", str(a.seconds)])
            res = results[case]
            res["thaw"].append(t["images_per_s"]); res["torch"].append(p["images_per_s"])
            res["ratio"].append(t["images_per_s"] / p["images_per_s"]); res["rss"].append(t["peak_rss_mb"])
            print(f"round {r + 1} {case}: thaw {t['images_per_s']:.2f} img/s, torch {p['images_per_s']:.2f} img/s, "
                  f"ratio {res['ratio'][-1]:.2f} (thaw peak RSS {t['peak_rss_mb']:.0f} MB, torch {p['peak_rss_mb']:.0f} MB)",
                  flush=True)
    print(f"\n{'case':12s} {'thaw img/s':>11s} {'torch img/s':>12s} {'thaw/torch':>11s} {'thaw peak RSS':>14s}")
    for case, res in results.items():
        print(f"{case:12s} {statistics.median(res['thaw']):11.2f} {statistics.median(res['torch']):12.2f} "
              f"{statistics.median(res['ratio']):10.2f}x {max(res['rss']):11.0f} MB")


if __name__ == "__main__":
    main()
