#!/usr/bin/env python3
"""Two `thaw` binaries on the same workloads, alternating, to tell a speed regression from noise.

Every round runs each workload once with each binary (which goes first alternates by round), in fresh
processes, and times the whole command. It prints every time, the median of each binary and the median
of the per-round ratios new / old (above 1: the new binary is slower), with the load average before
and after. Use it around a refactor: build the old commit in a second checkout and pass both binaries.

    python3 scripts/compare_binaries.py --old ../old/.build/release/thaw --new .build/release/thaw [--rounds 5]

The caches are made once, by the old binary, from the installed assets (scripts/deps.sh): Fashion-MNIST
through EfficientNet-Lite0 (pool + blocks.11; 1,000 and 200 per split) and BBC News through all-MiniLM-L6-v2 (pool + layer.4),
and both binaries read the same ones. Only options that both binaries know are used.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CACHES = {
    "fm": ["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "1000",
           "--tap", "pool", "--tap", "blocks.11", "--cache", "{dir}/fm"],
    "fm-ft": ["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "200",
              "--tap", "pool", "--tap", "blocks.11", "--cache", "{dir}/fm-ft"],
    "bbc": ["extract", "--model", "all-minilm-l6-v2", "--data", "bbc-news", "--limit", "200",
            "--tap", "pool", "--tap", "layer.4", "--cache", "{dir}/bbc"],
}
# name → command; {dir} is the work folder, {bin} a folder of the binary's own (outputs it writes).
WORKLOADS = {
    "extract lite0 300 images": ["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist",
                                 "--limit", "100", "--tap", "pool", "--cache", "{bin}/extract"],
    "fit linear 20 epochs": ["fit", "--cache", "{dir}/fm", "--tap", "pool", "--epochs", "20", "--seed", "1"],
    "fit mlp:512 10 epochs": ["fit", "--cache", "{dir}/fm", "--tap", "pool", "--head", "mlp:512",
                              "--epochs", "10", "--seed", "2"],
    "fit gem on blocks.11": ["fit", "--cache", "{dir}/fm", "--tap", "blocks.11", "--pooling", "gem",
                             "--epochs", "3", "--seed", "3"],
    "sweep 24 heads": ["sweep", "--cache", "{dir}/fm", "--tap", "pool", "--epochs", "10", "--seed", "4"],
    "fit lbfgs": ["fit", "--cache", "{dir}/fm", "--tap", "pool", "--optimizer", "lbfgs", "--c", "0.5"],
    "finetune lite0 blocks.11": ["finetune", "--cache", "{dir}/fm-ft", "--from", "blocks.11", "--epochs", "1",
                                 "--seed", "5"],
    "finetune minilm layer.4": ["finetune", "--cache", "{dir}/bbc", "--from", "layer.4", "--data", "bbc-news",
                                "--l2", "--epochs", "1", "--seed", "6"],
}


def run(thaw, args, env):
    start = time.perf_counter()
    proc = subprocess.run([thaw] + args, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"compare_binaries: `{thaw} {' '.join(args)}` failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True, help="the binary before the change")
    ap.add_argument("--new", required=True, help="the binary after the change")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", action="append", default=[], help="run only workloads whose name contains this")
    args = ap.parse_args()
    for b in (args.old, args.new):
        if not os.access(b, os.X_OK):
            sys.exit(f"compare_binaries: {b} is not an executable. Fix: build it (swift build -c release --product thaw).")
    if args.rounds < 1:
        sys.exit("compare_binaries: --rounds must be at least 1")
    workloads = {k: v for k, v in WORKLOADS.items() if not args.only or any(o in k for o in args.only)}
    if not workloads:
        sys.exit(f"compare_binaries: no workload matches {args.only}. Workloads: {', '.join(WORKLOADS)}")
    env = dict(os.environ)
    if "VIRTUAL_ENV" not in env and sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix  # binaries older than the recorded asset location find weights through it
    work = tempfile.mkdtemp(prefix="thaw-compare-")
    try:
        dirs = {"old": os.path.join(work, "old"), "new": os.path.join(work, "new")}
        for d in dirs.values():
            os.makedirs(d)
        env["THAW_RUNS"] = os.path.join(work, "runs")
        print(f"load before: {loadavg()}", flush=True)
        for name, cmd in CACHES.items():
            print(f"cache {name} (old binary)", flush=True)
            run(args.old, [a.format(dir=work) for a in cmd], env)
        times = {w: {"old": [], "new": []} for w in workloads}
        for r in range(args.rounds):
            order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
            for w, cmd in workloads.items():
                for side in order:
                    out = os.path.join(dirs[side], "extract")
                    shutil.rmtree(out, ignore_errors=True)
                    binary = args.old if side == "old" else args.new
                    times[w][side].append(run(binary, [a.format(dir=work, bin=dirs[side]) for a in cmd], env))
                print(f"round {r + 1} {w:28s} old {times[w]['old'][-1]:7.2f} s  new {times[w]['new'][-1]:7.2f} s"
                      f"  (load {loadavg()})", flush=True)
        print(f"\nload after: {loadavg()}   rounds: {args.rounds}")
        print(f"{'workload':28s} {'old median':>11s} {'new median':>11s} {'new/old (median of rounds)':>27s} {'range':>14s}")
        for w, t in times.items():
            ratios = [n / o for n, o in zip(t["new"], t["old"])]
            print(f"{w:28s} {statistics.median(t['old']):9.2f} s {statistics.median(t['new']):9.2f} s"
                  f" {statistics.median(ratios):27.3f} {min(ratios):6.2f}–{max(ratios):.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
