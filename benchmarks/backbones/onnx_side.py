"""ONNX Runtime or OpenVINO side of the backbone benchmark: the ONNX file peer_assets.py exported, 2 threads, f32.

    python3 benchmarks/backbones/onnx_side.py --engine ort|openvino --only lite0-b32 [--seconds 8] [--dir D] [--compare F]

ONNX Runtime: CPU execution provider, ORT_ENABLE_ALL graph optimisations, intra-op threads = --threads,
one inter-op thread, sequential execution. OpenVINO: the same ONNX file compiled for CPU with
INFERENCE_NUM_THREADS = --threads, INFERENCE_PRECISION_HINT f32 and PERFORMANCE_HINT --hint (run.py: LATENCY at
batch 1, one stream of 2 threads; THROUGHPUT above, two streams of 1 thread, which measured 1.2–1.7× faster at
batch 32 although every engine here runs one synchronous request of the whole batch at a time). The input is peer_assets.py's, the one Thaw reads. One warm-up
run, then runs for at least --seconds (and 3 runs). --compare F prints the max abs difference to Thaw's output dump.
Prints one JSON line like thaw-backbones-bench. Imports neither torch nor the references (peak RSS is the engine's).
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np


def load_input(directory, case):
    path = os.path.join(directory, f"{case}.input.npz")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing. Fix: python3 benchmarks/backbones/peer_assets.py --cases {case} --dir {directory}")
    z = np.load(path)
    return {"ids": z["ids"], "mask": z["mask"]} if "ids" in z else {"pixels": z["pixels"]}


def add_case_arguments(ap, repeats, repeats_help, threads_help):
    """--only, --repeats, --threads and --dir, shared by the per-node profile scripts."""
    ap.add_argument("--only", required=True, help="case, e.g. resnet50-b1")
    ap.add_argument("--repeats", type=int, default=repeats, help=repeats_help)
    ap.add_argument("--threads", type=int, default=2, help=threads_help)
    ap.add_argument("--dir", default=os.path.expanduser("~/.cache/thaw/bench-backbones"),
                    help="where peer_assets.py wrote the ONNX file and input (default ~/.cache/thaw/bench-backbones)")


def onnx_path(directory, case):
    """The case's ONNX file; exits with the command that writes it when it is missing."""
    path = os.path.join(directory, f"{case}.onnx")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing. Fix: python3 benchmarks/backbones/peer_assets.py --cases {case} --dir {directory}")
    return path


def ort_runner(path, feeds, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    settings = {"graph_optimization": "ORT_ENABLE_ALL", "intra_op_threads": threads, "providers": session.get_providers()}
    return (lambda: session.run(None, feeds)[0]), ort.__version__, settings


def openvino_runner(path, feeds, threads, hint="LATENCY"):
    import openvino as ov
    core = ov.Core()
    compiled = core.compile_model(core.read_model(path), "CPU", {
        "INFERENCE_NUM_THREADS": str(threads), "INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": hint})
    request = compiled.create_infer_request()
    output = compiled.output(0)
    # What the plugin actually settled on (a hint it ignored would show here).
    def text(value):   # an element type prints as f32, not "<Type: 'float32'>"
        return value.get_type_name() if hasattr(value, "get_type_name") else str(value)
    settings = {k: text(compiled.get_property(k)) for k in
                ("INFERENCE_NUM_THREADS", "INFERENCE_PRECISION_HINT", "PERFORMANCE_HINT", "NUM_STREAMS")}
    return (lambda: request.infer(feeds)[output]), ov.__version__, settings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", required=True, choices=["ort", "openvino"])
    ap.add_argument("--only", required=True, help="a case of peer_assets.py, e.g. lite0-b32")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", required=True, help="peer_assets.py's folder")
    ap.add_argument("--compare", help="Thaw's output dump (thaw-backbones-bench --dump-output) to compare with")
    ap.add_argument("--hint", default="LATENCY", choices=["LATENCY", "THROUGHPUT"], help="OpenVINO's PERFORMANCE_HINT")
    a = ap.parse_args()
    onnx_path = os.path.join(a.dir, f"{a.only}.onnx")
    if not os.path.exists(onnx_path):
        sys.exit(f"{onnx_path} is missing. Fix: python3 benchmarks/backbones/peer_assets.py --cases {a.only} --dir {a.dir}")
    feeds = load_input(a.dir, a.only)
    batch = next(iter(feeds.values())).shape[0]
    if a.engine == "ort":
        run, version, settings = ort_runner(onnx_path, feeds, a.threads)
    else:
        run, version, settings = openvino_runner(onnx_path, feeds, a.threads, a.hint)
    out = np.array(run())
    n, t0 = 0, time.perf_counter()
    while True:
        run()
        n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= a.seconds and n >= 3:
            break
    report = {"side": a.engine, "case": a.only, "images_per_s": round(n * batch / elapsed, 3), "forwards": n,
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "threads": a.threads, "version": version, "settings": settings}
    if a.compare:
        thaw = np.fromfile(a.compare, dtype=np.float32)
        if thaw.size != out.size:
            sys.exit(f"{a.compare}: {thaw.size} floats, {a.engine}'s output has {out.size} (shape {out.shape})")
        report["max_abs_diff"] = float(np.abs(thaw - out.astype(np.float32).reshape(-1)).max())
        report["max_abs"] = float(np.abs(out).max())
    print(json.dumps(report))


if __name__ == "__main__":
    main()
