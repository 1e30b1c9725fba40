"""Writes bundle files as docs/bundle-format.md lays them out, for the unit tests of load_bundle:
u64 LE header length, JSON header (tensors sorted by name, contiguous F32 data, `__metadata__` of strings)."""
import json
import struct

import numpy as np


def safetensors_bytes(tensors, metadata):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(tensors[name])), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, sort_keys=True).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def description(tap_shape, pooling="none", head_type="linear", hidden=(), activation="relu", layer_norm=False,
                classes=("a", "b", "c"), dtype="f16", tap="pool", kind="head"):
    layout = {1: "C", 2: "TC", 3: "HWC"}[len(tap_shape)]
    return {
        "kind": kind, "backbone": {"name": "efficientnet-lite0", "weightsSHA256": "0" * 64, "weightsFile": "w.pth"},
        "input": "image", "preprocessing": "{}", "tap": {"name": tap, "dtype": dtype, "shape": list(tap_shape), "layout": layout},
        "pooling": pooling, "head": {"type": head_type, "hidden": list(hidden), "activation": activation, "layerNorm": layer_norm},
        "classes": list(classes), "run": "fit-test", "cacheFingerprint": "x", "toolVersion": "0.1.0",
        "metrics": {"val_top1": 0.5},
    }


def random_head(d, seed=0):
    """Tensors for description `d`, drawn from a seeded normal distribution."""
    rng = np.random.default_rng(seed)
    shape, pooling, head = d["tap"]["shape"], d["pooling"], d["head"]
    width = int(np.prod(shape)) if pooling == "none" else shape[-1] * (2 if pooling == "avgmax" else 1)
    tensors = {}
    for i, h in enumerate(head["hidden"], start=1):
        tensors[f"head.fc{i}.weight"] = rng.normal(0, 1 / np.sqrt(width), (h, width))
        tensors[f"head.fc{i}.bias"] = rng.normal(0, 0.1, h)
        if head["layerNorm"]:
            tensors[f"head.ln{i}.weight"] = rng.normal(1, 0.2, h)
            tensors[f"head.ln{i}.bias"] = rng.normal(0, 0.2, h)
        width = h
    tensors["head.out.weight"] = rng.normal(0, 1 / np.sqrt(width), (len(d["classes"]), width))
    tensors["head.out.bias"] = rng.normal(0, 0.1, len(d["classes"]))
    if pooling == "gem":
        tensors["head.gem.p"] = np.array([2.7])
    return {k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()}


def write_bundle(path, d, tensors, metadata=None):
    meta = {"format": "thaw-bundle-1", "bundle": json.dumps(d, sort_keys=True)} if metadata is None else metadata
    path.write_bytes(safetensors_bytes(tensors, meta))
    return path
