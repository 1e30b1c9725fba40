"""Checks Tests/ThawBackbonesTests/Fixtures with numpy only (no torch): every file matches its shape,
the seeded-weight recipe reproduces the manifest's self-check vector, seeded inputs regenerate exactly,
and photo inputs are (k − 127)/128 for integer k.

    python scripts/golden/check_backbones_fixtures.py
"""
import json
import os
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
import seeded_weights as sw  # noqa: E402

FIX = os.path.join(ROOT, "Tests", "ThawBackbonesTests", "Fixtures")


def main():
    m = json.load(open(os.path.join(FIX, "manifest.json")))
    first = sw.self_check()
    chk = m["self_check"]
    assert chk["splitmix64_seed0_first3"] == [f"0x{v:016x}" for v in first]
    for name, h in chk["fnv1a64"].items():
        assert f"0x{sw.fnv1a64(name):016x}" == h, name
    shapes = {"conv1.weight": (64, 3, 7, 7), "bn1.weight": (64,), "bn1.bias": (64,), "bn1.running_mean": (64,),
              "bn1.running_var": (64,), "fc.weight": (1000, 512), "fc.bias": (1000,)}
    for key, vals in chk["resnet18_base18"].items():
        got = sw.seeded_array(key, shapes[key], 18).reshape(-1)[:4]
        assert np.array_equal(got, np.array(vals, dtype=np.float32)), key
    for c in m["cases"]:
        for t in [c["input"]] + c["taps"]:
            a = np.fromfile(os.path.join(FIX, t["file"]), "<f4")
            assert a.size == int(np.prod(t["shape"])), t["file"]
            assert np.isfinite(a).all(), t["file"]
        x = np.fromfile(os.path.join(FIX, c["input"]["file"]), "<f4")
        if c["weights"]["kind"] == "seeded":
            n, h, w, ch = c["input"]["shape"]
            u = sw.uniforms(sw.fnv1a64("input") ^ c["weights"]["base_seed"], n * h * w * ch)
            ref = (2.0 * u - 1.0).astype(np.float32).reshape(n, ch, h, w).transpose(0, 2, 3, 1).reshape(-1)
            assert np.array_equal(x, ref), c["name"]
        else:
            k = x * 128 + 127
            assert np.array_equal(k, np.round(k)) and k.min() >= 0 and k.max() <= 255, c["name"]
    print(f"ok: {len(m['cases'])} cases")


if __name__ == "__main__":
    main()
