#!/usr/bin/env python3
"""Golden fixtures for ThawStore's fp16/bf16 conversions.

Command (from the package root):  python3 scripts/golden/half_floats.py
Seed: 20261129. References: numpy's float32->float16 cast (round to nearest even) and
PyTorch's float32->bfloat16 cast (round to nearest even). Writes, little-endian:
  Tests/ThawCoreTests/Fixtures/half_inputs_f32.bin     float32[n]  edge values + random
  Tests/ThawCoreTests/Fixtures/half_expected_f16.bin   uint16[n]   numpy float16 bits
  Tests/ThawCoreTests/Fixtures/half_expected_bf16.bin  uint16[n]   torch bfloat16 bits
  Tests/ThawCoreTests/Fixtures/f16_decode_all_f32.bin  float32[65536]  numpy float16->float32 of every bit pattern
  Tests/ThawCoreTests/Fixtures/half_floats.json        counts
"""
import json, os
import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawCoreTests", "Fixtures")
rng = np.random.default_rng(20261129)

edges = [0.0, -0.0, 1.0, -1.0, 65504.0, 65519.99, 65520.0, -65520.0, 65536.0, 1e-8,
         2.0**-24, 2.0**-25, 2.0**-25 * 1.0000001, -(2.0**-25), 3 * 2.0**-26, 5 * 2.0**-26, 2.0**-14,
         2.0**-14 - 2.0**-25, 1023 * 2.0**-24, 1 + 2.0**-11, 1 + 3 * 2.0**-11, 1 + 2.0**-8, 1 + 3 * 2.0**-8,
         1 + 2.0**-8 + 2.0**-20, 3.3961776e38, 3.4028235e38, -3.4028235e38, 1.1754944e-38, 1.4e-45,
         float("inf"), float("-inf"), float("nan"), 0.1, 1 / 3, 2048.5, 2049.0, 4097.0]
x = np.array(edges, dtype=np.float32)
magnitudes = (rng.standard_normal(2000) * 10.0 ** rng.uniform(-9, 6, 2000)).astype(np.float32)
bits = rng.integers(0, 2**32, 2000, dtype=np.uint64).astype(np.uint32).view(np.float32)  # incl. NaN payloads
x = np.concatenate([x, magnitudes, bits]).astype(np.float32)

with np.errstate(over="ignore", invalid="ignore"):
    f16 = x.astype(np.float16).view(np.uint16)
bf16 = torch.from_numpy(x.copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
all16 = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32)

x.astype("<f4").tofile(os.path.join(OUT, "half_inputs_f32.bin"))
f16.astype("<u2").tofile(os.path.join(OUT, "half_expected_f16.bin"))
bf16.astype("<u2").tofile(os.path.join(OUT, "half_expected_bf16.bin"))
all16.astype("<f4").tofile(os.path.join(OUT, "f16_decode_all_f32.bin"))
with open(os.path.join(OUT, "half_floats.json"), "w") as f:
    json.dump({"count": int(x.size), "edgeCount": len(edges), "decodeCount": 65536, "seed": 20261129}, f)
print("wrote", x.size, "values")
