#!/usr/bin/env python3
"""PyTorch peer of main.swift: same shapes, 2 threads, channels_last, inference_mode.

    python3 benchmarks/kernels/conv_torch.py [seconds-per-case]
Depthwise uses TF "SAME" padding as F.pad + conv (what a port of EfficientNet-Lite does) with ReLU6;
the pad copy is timed too, as Thaw's kernel pads implicitly. Bias is included everywhere.
"""
import math
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads")


CPU = [0.0]  # process CPU seconds per call of the last bench (all threads, as in main.swift)


def bench(fn):
    fn()
    runs, start, cpu0 = [], time.perf_counter(), time.process_time()
    while time.perf_counter() - start < SECONDS or len(runs) < 3:
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    CPU[0] = (time.process_time() - cpu0) / len(runs)
    return sorted(runs)[len(runs) // 2]


def report(name, t, flops, nbytes):
    print(f"torch {name:<28} {t * 1e3:8.3f} ms {flops / t / 1e9:8.1f} GFLOP/s {nbytes / t / 1e9:7.1f} GB/s"
          f"  (cpu {CPU[0] * 1e3:.1f} ms)")


def conv(name, n, h, w, cin, cout, k):
    x = torch.randn(n, cin, h, w).to(memory_format=torch.channels_last)
    wt = torch.randn(cout, cin, k, k).to(memory_format=torch.channels_last)
    b = torch.randn(cout)
    with torch.inference_mode():
        t = bench(lambda: F.conv2d(x, wt, b, 1, k // 2))
    report(name, t, 2.0 * n * h * w * cout * cin * k * k, 4.0 * (x.numel() + n * h * w * cout))


def same(size, k, s):
    total = max((math.ceil(size / s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def depthwise(name, n, h, w, c, k, s):
    x = torch.randn(n, c, h, w).to(memory_format=torch.channels_last)
    wt = torch.randn(c, 1, k, k)
    b = torch.randn(c)
    (t0, b0), (l0, r0) = same(h, k, s), same(w, k, s)
    oh, ow = math.ceil(h / s), math.ceil(w / s)
    with torch.inference_mode():
        t = bench(lambda: F.relu6(F.conv2d(F.pad(x, (l0, r0, t0, b0)), wt, b, s, 0, 1, c)))
    report(name, t, 2.0 * n * oh * ow * c * k * k, 4.0 * (x.numel() + n * oh * ow * c))
    # The convolution alone, symmetric padding k//2 (no pad copy, no ReLU6 pass): PyTorch's kernel proper.
    with torch.inference_mode():
        t = bench(lambda: F.conv2d(x, wt, b, s, k // 2, 1, c))
    report("  conv alone, symmetric pad", t, 2.0 * n * oh * ow * c * k * k, 4.0 * (x.numel() + n * oh * ow * c))


conv("conv3x3 64->64 56x56 b16", 16, 56, 56, 64, 64, 3)
conv("conv1x1 96->24 56x56 b16", 16, 56, 56, 96, 24, 1)
depthwise("dw3x3 s1 112x112x32 b16", 16, 112, 112, 32, 3, 1)
depthwise("dw5x5 s2 56x56x144 b16", 16, 56, 56, 144, 5, 2)
