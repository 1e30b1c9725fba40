"""Thaw vs PyTorch, ONNX Runtime and OpenVINO on the backbones, 2 threads each, fresh processes alternating.

    python3 benchmarks/backbones/run.py [--rounds 3] [--seconds 4] [--cases lite0-b1,lite0-b32,resnet50-b1,...]
        [--engines thaw,torch,ort,openvino]            (make bench-backbones installs the peers and runs this)
    --engines thaw,thaw-layered,ort: adds the same Thaw binary with `--no-fuse --no-avx512` (inverted-residual
    blocks layer by layer, baseline SSE kernels) as a peer: a before/after in the same rounds.

1. Builds thaw-backbones-bench (release) and writes the peers' shared assets (peer_assets.py: ONNX files exported
   from the references the PyTorch peer runs, one input per case that every engine reads, seeded weights).
2. Each round runs every case once per engine (OpenVINO at batch > 1 once per PERFORMANCE_HINT, the faster kept),
   each in a fresh process, in an order that rotates from round to
   round (Thaw first in round 1: its output dump is what the peers are compared with, max abs difference).
3. Prints per round the rates and the load average; at the end per case the median rate and the largest peak RSS of
   each engine, the median over rounds of the per-round ratios Thaw/peer (the machine drifts: compare within a
   round) and Thaw / the faster of ONNX Runtime and OpenVINO.
Nothing falls back: a missing weight file, input or engine stops the run with the fix.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BENCH = os.path.join(ROOT, ".build", "release", "thaw-backbones-bench")
DEFAULT_CASES = "lite0-b1,lite0-b32,resnet50-b1,resnet50-b32,minilm-b32,mbv2-b1,mbv2-b32,vits14-b1"
ENGINES = ["thaw", "torch", "ort", "openvino", "thaw-layered"]
THAW_LAYERED_FLAGS = ["--no-fuse", "--no-avx512"]


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_json(cmd):
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def openvino_hints(case, choice):
    """The PERFORMANCE_HINTs OpenVINO runs a case with; each round keeps the faster. best: LATENCY at batch 1 (one
    stream of 2 threads); above, both LATENCY and THROUGHPUT (two streams of 1 thread), since which one wins one
    synchronous request of the whole batch depends on the machine's load (idle, LATENCY ran batch 32 1.9-2.2× faster;
    at load average 11-18, THROUGHPUT 1.2-1.7× faster)."""
    if choice != "best":
        return [choice]
    return ["LATENCY"] if case.endswith("-b1") else ["LATENCY", "THROUGHPUT"]


def command(engine, case, assets, seconds, dump, hint=None):
    """The fresh-process command line of one engine on one case; `dump` is Thaw's output file."""
    directory = assets["dir"]
    if engine in ("thaw", "thaw-layered"):
        cmd = [BENCH, "--only", case, "--seconds", str(seconds), "--input", assets["cases"][case]["input"]]
        if engine == "thaw-layered":
            cmd += THAW_LAYERED_FLAGS
            dump = None
        weights = assets["cases"][case]["weights"]
        family = case.split("-b")[0]
        if weights:
            cmd += [{"resnet50": "--resnet-weights", "vits14": "--vit-weights"}[family], weights]
        return cmd + (["--dump-output", dump] if dump else [])
    compare = ["--compare", dump] if dump and os.path.exists(dump) else []
    if engine == "torch":
        return [sys.executable, os.path.join(HERE, "torch_side.py"), "--only", case, "--seconds", str(seconds),
                "--dir", directory] + compare
    extra = ["--hint", hint] if engine == "openvino" else []
    return [sys.executable, os.path.join(HERE, "onnx_side.py"), "--engine", engine, "--only", case,
            "--seconds", str(seconds), "--dir", directory] + compare + extra


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--cases", default=DEFAULT_CASES)
    ap.add_argument("--engines", default=",".join(ENGINES[:4]))
    ap.add_argument("--assets", help="peer_assets.py's folder (default: its own default)")
    ap.add_argument("--openvino-hint", default="best", choices=["best", "LATENCY", "THROUGHPUT"],
                    help="OpenVINO's PERFORMANCE_HINT; best: LATENCY at batch 1, both above and the faster kept per round")
    a = ap.parse_args()
    engines = a.engines.split(",")
    if engines[0] != "thaw" or any(e not in ENGINES for e in engines):
        sys.exit(f"--engines: thaw first, then any of {ENGINES[1:]}")
    cases = a.cases.split(",")
    subprocess.run(["swift", "build", "-c", "release", "--product", "thaw-backbones-bench"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    prepare = [sys.executable, os.path.join(HERE, "peer_assets.py"), "--cases", a.cases]
    assets = run_json(prepare + (["--dir", a.assets] if a.assets else []))
    assets["cases"] = {c["case"]: c for c in assets["cases"]}
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if forced:
        print(f"note: OPENBLAS_CORETYPE={forced} is set: Thaw runs that kernel, not its own choice (OpenBLAS reads it at "
              "load; `thaw doctor` measures what it costs). Unset it to measure the kernel Thaw picks.", flush=True)
    print(f"assets in {assets['dir']} (torch {assets['torch']}, ONNX opset {assets['opset']}); "
          f"load average at start {load_average()} ({os.cpu_count()} cores)", flush=True)

    results = {c: {e: [] for e in engines} for c in cases}
    diffs = {c: {} for c in cases}
    versions = {}
    for r in range(a.rounds):
        for case in cases:
            order = engines[r % len(engines):] + engines[:r % len(engines)]
            dump = os.path.join(assets["dir"], f"{case}.thaw-output.f32") if r == 0 else None
            if dump and os.path.exists(dump):
                os.remove(dump)
            row = {}
            for engine in order:
                if engine == "openvino":
                    tries = [run_json(command(engine, case, assets, a.seconds, dump, hint))
                             for hint in openvino_hints(case, a.openvino_hint)]
                    out = max(tries, key=lambda x: x["images_per_s"])
                else:
                    out = run_json(command(engine, case, assets, a.seconds, dump))
                row[engine] = out
                results[case][engine].append(out)
                if "max_abs_diff" in out:
                    diffs[case][engine] = (out["max_abs_diff"], out["max_abs"])
                if "version" in out:
                    versions[engine] = out["version"]
                if "settings" in out:
                    versions[f"{engine} settings, {case}"] = out["settings"]
            rates = "  ".join(f"{e} {row[e]['images_per_s']:.2f}" + (f" ({row[e]['settings']['PERFORMANCE_HINT']})"
                              if e == "openvino" and "settings" in row[e] else "") for e in engines)
            print(f"round {r + 1} {case:13s} {rates} /s  (order {','.join(order)}; load {load_average()})", flush=True)

    kernels = sorted({x.get("kernel", "?") for c in cases for x in results[c]["thaw"]})
    print(f"\nload average at end {load_average()}; Thaw's OpenBLAS kernel {', '.join(kernels)}; versions: {json.dumps(versions)}")
    print("\n| case | " + " | ".join(engines) + " | " + " | ".join(f"Thaw/{e}" for e in engines[1:])
          + " | Thaw/best ONNX peer | peak RSS MB (" + ", ".join(engines) + ") | max abs diff vs Thaw (max abs) |")
    print("|" + "---|" * (len(engines) * 2 + 3))
    for case in cases:
        res = results[case]
        med = {e: statistics.median(x["images_per_s"] for x in res[e]) for e in engines}
        ratios = {e: statistics.median(t["images_per_s"] / p["images_per_s"] for t, p in zip(res["thaw"], res[e]))
                  for e in engines[1:]}
        onnx_peers = [e for e in ("ort", "openvino") if e in engines]
        best = (statistics.median(t["images_per_s"] / max(res[e][i]["images_per_s"] for e in onnx_peers)
                                  for i, t in enumerate(res["thaw"])) if onnx_peers else float("nan"))
        rss = ", ".join(f"{max(x['peak_rss_mb'] for x in res[e]):.0f}" for e in engines)
        diff = ", ".join(f"{e} {d:.1e} ({m:.2g})" for e, (d, m) in diffs[case].items())
        print(f"| {case} | " + " | ".join(f"{med[e]:.2f}" for e in engines) + " | "
              + " | ".join(f"{ratios[e]:.2f}" for e in engines[1:]) + f" | {best:.2f} | {rss} | {diff} |")


if __name__ == "__main__":
    main()
