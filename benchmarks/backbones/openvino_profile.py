"""OpenVINO's per-layer timing of one case, to set beside `thaw-backbones-bench --profile`.

    python3 benchmarks/backbones/openvino_profile.py --only resnet50-b1 [--repeats 9] [--threads 2] [--hint LATENCY] [--dir D]

Compiles the ONNX file peer_assets.py exported with the settings onnx_side.py uses (CPU, INFERENCE_NUM_THREADS,
INFERENCE_PRECISION_HINT f32, PERFORMANCE_HINT) plus PERF_COUNT, runs one warm-up and `--repeats` inferences, and
prints per executed node (OpenVINO's fused nodes: a convolution carries its BatchNorm, ReLU and residual add) the
fastest real time over the repeats in ms, its kernel (exec_type) and node type, then the sum and the fastest
whole inference. The load average is printed with the figures.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_side import add_case_arguments, load_input, onnx_path  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    add_case_arguments(ap, 9, "timed inferences (default 9); each node's fastest is kept", "INFERENCE_NUM_THREADS (default 2)")
    ap.add_argument("--hint", default="LATENCY", choices=["LATENCY", "THROUGHPUT"], help="PERFORMANCE_HINT (default LATENCY)")
    a = ap.parse_args()
    path = onnx_path(a.dir, a.only)
    import openvino as ov
    core = ov.Core()
    compiled = core.compile_model(core.read_model(path), "CPU", {
        "INFERENCE_NUM_THREADS": str(a.threads), "INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": a.hint,
        "PERF_COUNT": True})
    request = compiled.create_infer_request()
    feeds = load_input(a.dir, a.only)
    request.infer(feeds)
    best, order, whole = {}, [], float("inf")
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        request.infer(feeds)
        whole = min(whole, time.perf_counter() - t0)
        for info in request.get_profiling_info():
            ms = info.real_time.total_seconds() * 1e3
            key = info.node_name
            if key not in best:
                order.append(key)
                best[key] = (ms, info.exec_type, info.node_type)
            elif ms < best[key][0]:
                best[key] = (ms, info.exec_type, info.node_type)
    total = 0.0
    print(f"# {a.only}: OpenVINO {ov.__version__}, {a.threads} threads, hint {a.hint}; fastest of {a.repeats} per node")
    for key in order:
        ms, kernel, kind = best[key]
        if ms <= 0:
            continue
        total += ms
        print(f"{ms:8.3f} ms  {kind:<14} {kernel:<28} {key}")
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(f"# sum of nodes {total:.3f} ms; fastest whole inference {whole * 1e3:.3f} ms; load {load}")


if __name__ == "__main__":
    main()
