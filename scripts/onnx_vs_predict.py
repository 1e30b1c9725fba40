#!/usr/bin/env python3
"""ONNX Runtime vs `thaw predict` on the real photos: one exported bundle, one line of result.

usage: python3 scripts/onnx_vs_predict.py THAW BUNDLE MODEL.onnx [INPUT-ARGS...]
INPUT-ARGS are what `thaw predict` takes (default: the real photos; sentences for a text bundle), e.g.
    --data fashion-mnist --split test --limit 500
The pixels come from `thaw bundle preprocess` (Thaw's exact preprocessing) with the same arguments,
the reference probabilities from `thaw predict --json`; exits 1 when any probability differs by more
than 5e-4 (both run float32, summing in different orders: on the demo's sweep winner, whose large weights
make sharp probabilities, 200 Fashion-MNIST test images differed by up to 8e-5 with OpenBLAS' Haswell
kernel and 1.4e-4 with the SkylakeX kernel Thaw picks on AVX-512 CPUs; a wrong layer or preprocessing
differs by 1e-2 and more).
Needs: pip install onnxruntime==1.32.0 numpy.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort


def main(thaw, bundle, model, *inputs):
    inputs = list(inputs) or ["/usr/local/share/thaw/photos"]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([thaw, "bundle", "preprocess", bundle, *inputs, "--output", tmp + "/in"], check=True, capture_output=True)
        if os.path.exists(tmp + "/in.pixels.npy"):   # images; text bundles write token ids and the mask
            feeds = {"pixels": np.load(tmp + "/in.pixels.npy")}
        else:
            feeds = {"input_ids": np.load(tmp + "/in.input_ids.npy"), "attention_mask": np.load(tmp + "/in.attention_mask.npy")}
    out = subprocess.run([thaw, "predict", "--bundle", bundle, *inputs, "--top", "1000", "--json"], check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out)
    classes = result["classes"]
    expected = np.zeros((len(result["rows"]), len(classes)), np.float32)
    for r, row in enumerate(result["rows"]):
        for t in row["top"]:
            expected[r, classes.index(t["label"])] = t["probability"]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    count = len(next(iter(feeds.values())))
    got = np.concatenate([session.run(["probabilities"], {k: v[i:i + 32] for k, v in feeds.items()})[0]
                          for i in range(0, count, 32)])
    worst = float(np.max(np.abs(got - expected)))
    agree = int(np.sum(got.argmax(1) == expected.argmax(1)))
    ok = np.isfinite(worst) and worst <= 5e-4
    print(f"onnx vs thaw predict: {model}: {len(got)} inputs, top-1 agrees on {agree}/{len(got)}, "
          f"max |Δp| {worst:.2e} ({'OK' if ok else 'FAIL'})")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
