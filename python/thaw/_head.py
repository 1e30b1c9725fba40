"""The head forward of docs/bundle-format.md ("The head"), in numpy, float64 inside, float32 out.

    t [N, *tap.shape] → round to tap.dtype → pool [N, D] → (Linear → [LayerNorm] → act)* → Linear → softmax [N, K]
"""
import math

import numpy as np

from ._dtypes import round_to

GEM_EPS = 1e-6
LAYER_NORM_EPS = 1e-5
MAP_POOLINGS = ("avg", "max", "avgmax", "gem")
_erf = np.frompyfunc(math.erf, 1, 1)   # exact erf (numpy has none; scipy is not a dependency)


def pooled_width(tap_shape, pooling):
    """Width D of the vector the first layer reads."""
    channels = tap_shape[-1]
    if pooling == "none":
        return int(np.prod(tap_shape))
    return 2 * channels if pooling == "avgmax" else channels


def expected_tensors(tap_shape, pooling, head, classes):
    """{tensor name: shape} a head bundle must hold, in forward order."""
    widths = [pooled_width(tap_shape, pooling)] + list(head["hidden"])
    expected = {}
    for i, width in enumerate(head["hidden"], start=1):
        expected[f"head.fc{i}.weight"] = [width, widths[i - 1]]
        expected[f"head.fc{i}.bias"] = [width]
        if head.get("layerNorm"):
            expected[f"head.ln{i}.weight"] = [width]
            expected[f"head.ln{i}.bias"] = [width]
    expected["head.out.weight"] = [classes, widths[-1]]
    expected["head.out.bias"] = [classes]
    if pooling == "gem":
        expected["head.gem.p"] = [1]
    return expected


def pool(t, tap, pooling, gem_p=None):
    """t float32 [N, *tap.shape] → float64 [N, D] (after rounding to tap.dtype)."""
    n = t.shape[0]
    t = round_to(t, tap["dtype"]).astype(np.float64)
    if pooling == "none":
        return t.reshape(n, int(np.prod(tap["shape"])))
    positions = int(np.prod(tap["shape"][:-1]))
    maps = t.reshape(n, positions, tap["shape"][-1])          # [N, S, C], S = H·W or T
    if pooling == "avg":
        return maps.mean(axis=1)
    if pooling == "max":
        return maps.max(axis=1)
    if pooling == "avgmax":
        return np.concatenate([maps.mean(axis=1), maps.max(axis=1)], axis=1)
    if pooling == "gem":
        return (np.maximum(maps, GEM_EPS) ** gem_p).mean(axis=1) ** (1.0 / gem_p)
    raise ValueError(f"unknown pooling {pooling!r}")


def logits(t, tap, pooling, head, tensors):
    """float64 [N, K] logits of tap features t [N, *tap.shape]."""
    gem_p = float(tensors["head.gem.p"][0]) if pooling == "gem" else None
    x = pool(t, tap, pooling, gem_p)
    for i in range(1, len(head["hidden"]) + 1):
        x = x @ tensors[f"head.fc{i}.weight"].astype(np.float64).T + tensors[f"head.fc{i}.bias"]
        if head.get("layerNorm"):
            mean = x.mean(axis=1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=1, keepdims=True)  # biased, as torch
            x = (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * tensors[f"head.ln{i}.weight"] + tensors[f"head.ln{i}.bias"]
        if head["activation"] == "relu":
            x = np.maximum(x, 0.0)
        else:                                                    # exact GELU: x·Φ(x)
            x = 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))
    return x @ tensors["head.out.weight"].astype(np.float64).T + tensors["head.out.bias"]


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
