"""OpenVINO's own per-layer timing of a backbone case, to set beside `thaw-backbones-bench --profile`.

    python3 benchmarks/backbones/openvino_block_profile.py --only lite0-b1 [--runs 200] [--threads 2] [--hint LATENCY] [--dir D]
        [--json F] [--thaw-profile P]

Compiles the ONNX file peer_assets.py wrote with onnx_side.py's settings (2 threads, f32, PERFORMANCE_HINT --hint)
plus PERF_COUNT, runs --runs synchronous inferences and, per executed node (`request.get_profiling_info()`, after
OpenVINO's own fusions: a node is often conv + bias + clamp, or conv + the residual add), takes the median real
time over the runs. Prints one row per node (name, exec type, layer type, median µs), then the sum of the node
medians against the median wall time of a whole inference (the gap is scheduling between nodes).
--thaw-profile P (Lite0 and MobileNetV2): P is `thaw-backbones-bench --only CASE --profile` output; prints per block
OpenVINO's node medians summed (expand + depthwise + project, a reorder with the node it feeds) beside Thaw's
median of the block as its forward runs it (`blocks.N.block-*`, `stem`, `head.block-as-run`, `pool` + `fc`).
Per-layer timings on 2 threads swing with the machine's load; `--threads 1` under `taskset -c 1` for both sides
compares the kernels alone.
Imports neither torch nor the references.
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

import numpy as np

from onnx_side import load_input


def stage(node):
    """Thaw's profile row for an OpenVINO node of Lite0 (`/_blocks.N/`, `_conv_stem`, `_conv_head`) or
    MobileNetV2 (`/features.K/`: 0 the stem, 1–17 blocks 0–16, 18 the head); pool and classifier → `fc+pool`."""
    m = re.search(r"_blocks\.(\d+)/", node)
    if m:
        return f"blocks.{m.group(1)}"
    m = re.search(r"/features\.(\d+)/", node)
    if m:
        k = int(m.group(1))
        return "stem" if k == 0 else "head" if k == 18 else f"blocks.{k - 1}"
    return "stem" if "_conv_stem" in node else "head" if "_conv_head" in node else "fc+pool"


def thaw_rows(path):
    """Median ms per stage from a `thaw-backbones-bench --profile` listing."""
    rows = {}
    for line in open(path):
        m = re.match(r"(\S+)\s+([\d.]+) ms ", line)
        if not m:
            continue
        name, ms = m.group(1), float(m.group(2))
        b = re.match(r"(blocks\.\d+)\.block-", name)
        key = b.group(1) if b else {"stem": "stem", "head.block-as-run": "head", "fc": "fc+pool", "pool": "fc+pool"}.get(name)
        if key:
            rows[key] = rows.get(key, 0) + ms * 1000
    return rows


def compare(rows, thaw_path):
    ov = {}
    for r in rows:
        ov[stage(r["node"])] = ov.get(stage(r["node"]), 0) + r["median_us"]
    thaw = thaw_rows(thaw_path)
    order = sorted(ov, key=lambda k: (k != "stem", int(k.split(".")[1]) if k.startswith("blocks.") else 1 << 20, k))
    total_o = total_t = 0
    for k in order:
        o, t = ov[k], thaw.get(k)
        if t is None:
            sys.exit(f"--thaw-profile {thaw_path}: no row for {k}. Fix: profile the same case (--only) with --profile")
        total_o, total_t = total_o + o, total_t + t
        print(f"{k:12} OpenVINO {o:8.1f} µs  Thaw {t:8.1f} µs  Thaw/OpenVINO time {t / o:5.2f}")
    print(f"{'sum':12} OpenVINO {total_o:8.1f} µs  Thaw {total_t:8.1f} µs  Thaw/OpenVINO time {total_t / total_o:5.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", required=True, help="a case of peer_assets.py, e.g. lite0-b1")
    ap.add_argument("--runs", type=int, default=200, help="timed inferences (default 200)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hint", default="LATENCY", choices=["LATENCY", "THROUGHPUT"], help="PERFORMANCE_HINT (default LATENCY)")
    ap.add_argument("--dir", default=os.path.expanduser("~/.cache/thaw/bench-backbones"), help="peer_assets.py's folder")
    ap.add_argument("--json", help="also write the rows as JSON to this file")
    ap.add_argument("--thaw-profile", help="thaw-backbones-bench --profile output of the same case: per-block comparison")
    a = ap.parse_args()
    if a.thaw_profile and not os.path.exists(a.thaw_profile):
        sys.exit(f"--thaw-profile {a.thaw_profile}: no such file. Fix: thaw-backbones-bench --only {a.only} --profile > {a.thaw_profile}")
    path = os.path.join(a.dir, f"{a.only}.onnx")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing. Fix: python3 benchmarks/backbones/peer_assets.py --cases {a.only} --dir {a.dir}")
    import openvino as ov
    core = ov.Core()
    compiled = core.compile_model(core.read_model(path), "CPU", {
        "INFERENCE_NUM_THREADS": str(a.threads), "INFERENCE_PRECISION_HINT": "f32",
        "PERFORMANCE_HINT": a.hint, "PERF_COUNT": True})
    request = compiled.create_infer_request()
    feeds = load_input(a.dir, a.only)
    for _ in range(10):
        request.infer(feeds)
    times, walls, order, kinds = {}, [], [], {}
    for _ in range(a.runs):
        t0 = time.perf_counter()
        request.infer(feeds)
        walls.append(time.perf_counter() - t0)
        for info in request.get_profiling_info():
            if info.status != info.Status.EXECUTED:
                continue
            if info.node_name not in times:
                times[info.node_name] = []
                order.append(info.node_name)
                kinds[info.node_name] = (info.exec_type, info.node_type)
            times[info.node_name].append(info.real_time.total_seconds() * 1e6)
    rows = [{"node": n, "exec_type": kinds[n][0], "node_type": kinds[n][1],
             "median_us": statistics.median(times[n])} for n in order]
    for r in rows:
        print(f"{r['median_us']:9.1f} µs  {r['node_type']:<16} {r['exec_type']:<28} {r['node']}")
    total = sum(r["median_us"] for r in rows)
    wall = statistics.median(walls) * 1e6
    print(f"sum of node medians {total:.1f} µs; median inference {wall:.1f} µs ({a.runs} runs, load "
          f"{open('/proc/loadavg').read().split()[0]})")
    if a.thaw_profile:
        compare(rows, a.thaw_profile)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"case": a.only, "rows": rows, "sum_us": total, "wall_us": wall}, f, indent=1)


if __name__ == "__main__":
    main()
