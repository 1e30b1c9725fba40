"""ONNX Runtime's per-node timing of one case, to set beside `thaw-backbones-bench --profile`.

    python3 benchmarks/backbones/ort_profile.py --only resnet50-b1 [--repeats 15] [--threads 2] [--dir D]

The session onnx_side.py times (CPU execution provider, ORT_ENABLE_ALL, `--threads` intra-op threads, one inter-op
thread, sequential) with SessionOptions.enable_profiling: one warm-up, then `--repeats` runs; per executed node
(ONNX Runtime's fused nodes: after the NCHWc rewrite a convolution carries its BatchNorm, ReLU and residual add, and
is named after the output it writes, e.g. `/layer1/layer1.0/relu_1/Relu_output_0_nchwc`) the fastest and the
median kernel time in ms, the op and the node name, then the sums and the fastest whole run. The output format is
openvino_profile.py's (fastest ms first), so compare_profiles.py reads either. The load average is printed too.
"""
import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_side import add_case_arguments, load_input, onnx_path  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    add_case_arguments(ap, 15, "timed runs (default 15); each node's fastest is kept", "intra-op threads (default 2)")
    a = ap.parse_args()
    path = onnx_path(a.dir, a.only)
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.enable_profiling = True
    so.profile_file_prefix = os.path.join(tempfile.mkdtemp(), "ort")
    session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    feeds = load_input(a.dir, a.only)
    session.run(None, feeds)
    whole = float("inf")
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        session.run(None, feeds)
        whole = min(whole, time.perf_counter() - t0)
    trace = session.end_profiling()
    events = json.load(open(trace))
    os.remove(trace)
    # Node events in run order; the first run is the warm-up, dropped per node.
    times, ops = collections.OrderedDict(), {}
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            node = e["name"][: -len("_kernel_time")]
            times.setdefault(node, []).append(e["dur"] / 1e3)
            ops[node] = e["args"].get("op_name", "?")
    print(f"# {a.only}: ONNX Runtime {ort.__version__}, {a.threads} intra-op threads, ORT_ENABLE_ALL; "
          f"per node fastest and median of {a.repeats} runs")
    fastest_sum = median_sum = 0.0
    for node, ms in times.items():
        timed = ms[1:] or ms
        best, mid = min(timed), statistics.median(timed)
        fastest_sum += best
        median_sum += mid
        print(f"{best:8.3f} ms  {ops[node]:<18} median {mid:8.3f}  {node}")
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(f"# sum of nodes {fastest_sum:.3f} ms fastest, {median_sum:.3f} ms median; fastest whole run "
          f"{whole * 1e3:.3f} ms; load {load}")


if __name__ == "__main__":
    main()
