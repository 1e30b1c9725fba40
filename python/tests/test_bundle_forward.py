"""load_bundle's forward against a sample-by-sample reference written from docs/bundle-format.md,
on features from a real cache."""
import math

import numpy as np
import pytest

import thaw
from bundle_files import description, random_head, write_bundle


def reference(d, t, sample):
    """Probabilities of one sample, step by step as the format document states them (float64)."""
    tap, pooling, head = d["tap"], d["pooling"], d["head"]
    x = np.array(sample, dtype=np.float32)
    x = x.astype(np.float16).astype(np.float32) if tap["dtype"] == "f16" else x   # tests use f16 or f32 taps
    x = x.astype(np.float64)
    if pooling == "none":
        v = x.reshape(-1)
    else:
        positions = x.reshape(-1, tap["shape"][-1])
        columns = [positions[:, c] for c in range(positions.shape[1])]
        if pooling == "gem":
            p = float(t["head.gem.p"][0])
            v = np.array([(sum(max(float(e), 1e-6) ** p for e in col) / len(col)) ** (1 / p) for col in columns])
        else:
            avg = np.array([sum(col) / len(col) for col in columns])
            mx = np.array([max(col) for col in columns])
            v = {"avg": avg, "max": mx, "avgmax": np.concatenate([avg, mx])}[pooling]
    for i in range(1, len(head["hidden"]) + 1):
        w, b = t[f"head.fc{i}.weight"].astype(np.float64), t[f"head.fc{i}.bias"]
        z = np.array([sum(w[r, j] * v[j] for j in range(len(v))) + b[r] for r in range(w.shape[0])])
        if head["layerNorm"]:
            m = sum(z) / len(z)
            var = sum((e - m) ** 2 for e in z) / len(z)
            z = np.array([(e - m) / math.sqrt(var + 1e-5) for e in z]) * t[f"head.ln{i}.weight"] + t[f"head.ln{i}.bias"]
        if head["activation"] == "relu":
            v = np.array([max(e, 0.0) for e in z])
        else:
            v = np.array([e * 0.5 * (1 + math.erf(e / math.sqrt(2))) for e in z])
    w, b = t["head.out.weight"].astype(np.float64), t["head.out.bias"]
    logits = [sum(w[r, j] * v[j] for j in range(len(v))) + b[r] for r in range(w.shape[0])]
    top = max(logits)
    e = [math.exp(l - top) for l in logits]
    return np.array([x / sum(e) for x in e])


CASES = [
    dict(tap="pool", pooling="none", head_type="linear"),
    dict(tap="pool", pooling="none", head_type="logistic"),
    dict(tap="pool", pooling="none", head_type="mlp", hidden=(16,), activation="relu"),
    dict(tap="pool", pooling="none", head_type="mlp", hidden=(16, 8), activation="gelu", layer_norm=True),
    dict(tap="blocks.11", pooling="avg", head_type="linear"),
    dict(tap="blocks.11", pooling="max", head_type="mlp", hidden=(12,), activation="gelu"),
    dict(tap="blocks.11", pooling="avgmax", head_type="mlp", hidden=(12,), layer_norm=True),
    dict(tap="blocks.11", pooling="gem", head_type="linear"),
    dict(tap="blocks.11", pooling="none", head_type="linear"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['tap']}-{c['pooling']}-{c['head_type']}-{len(c.get('hidden', ()))}")
def test_forward_matches_the_documented_steps(case, image_cache, tmp_path):
    cache = thaw.open_cache(image_cache)
    features = cache.tap(case["tap"], split="test")[:6]
    d = description(cache.tap_info(case["tap"])["shape"], classes=cache.label_names, **case)
    t = random_head(d)
    bundle = thaw.load_bundle(write_bundle(tmp_path / "b.safetensors", d, t))
    p = bundle(features)
    assert p.dtype == np.float32 and p.shape == (6, 10)
    expected = np.stack([reference(d, t, s) for s in features])
    assert np.abs(p - expected).max() < 1e-6, f"worst {np.abs(p - expected).max()}"
    assert np.allclose(p.sum(axis=1), 1, atol=1e-6)
    assert np.array_equal(bundle.predict(features), np.argmax(expected, axis=1))
    assert bundle.classes == cache.label_names and bundle.tap == case["tap"] and bundle.pooling == case["pooling"]
    assert bundle.kind == "head" and bundle.metadata["run"] == "fit-test"


ROUNDING = {   # (inputs, the values a head trained on that dtype sees), worked out by hand
    "f16": ([1 + 2 ** -11, 1 + 3 * 2 ** -11, 3.14159, -60000.0, 1e-8],      # ulp 2^-10 at 1: ties go to even
            [1.0, 1 + 2 ** -9, 3.140625, -60000.0, 0.0]),                  # 1e-8 is below half the smallest subnormal
    "bf16": ([1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.14159, -60000.0, 1e-8],       # ulp 2^-7 at 1
             [1.0, 1 + 2 ** -6, 3.140625, -59904.0, 1.34375 * 2 ** -27]),
    "f32": ([1 + 2 ** -11, 3.14159, -60000.0, 1e-8], [1 + 2 ** -11, np.float32(3.14159), -60000.0, np.float32(1e-8)]),
}


@pytest.mark.parametrize("dtype", ROUNDING)
def test_features_are_rounded_to_the_tap_dtype(dtype, tmp_path):
    """A head trained on f16/bf16 features sees those values even when it is given f32 ones."""
    inputs, seen = ROUNDING[dtype]
    n = len(inputs)
    d = description([n], dtype=dtype, classes=[f"c{j}" for j in range(n)])
    t = {"head.out.weight": np.eye(n, dtype=np.float32), "head.out.bias": np.zeros(n, dtype=np.float32)}
    logits = thaw.load_bundle(write_bundle(tmp_path / "b.safetensors", d, t)).logits(np.array([inputs], np.float32))
    assert np.array_equal(logits[0], np.array(seen, dtype=np.float32)), logits[0]


def test_softmax_of_large_logits_is_finite(tmp_path):
    d = description([2], classes=("a", "b"))
    t = {"head.out.weight": np.array([[1000, 0], [0, 1000]], dtype=np.float32), "head.out.bias": np.zeros(2, np.float32)}
    p = thaw.load_bundle(write_bundle(tmp_path / "b.safetensors", d, t))(np.array([[1, 0.5], [0, 0]], np.float32))
    assert np.all(np.isfinite(p)) and p[0, 0] == 1 and p[1, 0] == 0.5


def test_features_of_the_wrong_shape_are_refused(tmp_path, image_cache):
    cache = thaw.open_cache(image_cache)
    d = description([3, 3, 192], pooling="avg", tap="blocks.11", classes=cache.label_names)
    bundle = thaw.load_bundle(write_bundle(tmp_path / "b.safetensors", d, random_head(d)))
    with pytest.raises(thaw.BundleError, match=r"features have shape \[80, 1280\], but tap 'blocks.11' of this bundle "
                                               r"needs \[N, 3, 3, 192\]"):
        bundle(cache.tap("pool"))
    with pytest.raises(thaw.BundleError, match=r"leading batch axis"):
        bundle(cache.tap("blocks.11")[0])
    assert bundle(cache.tap("blocks.11")[:0]).shape == (0, 10)
