"""Storage dtypes of caches and bundles: f32, f16 (IEEE binary16) and bf16 (top half of a binary32).

Widening to f32 is exact. Rounding from f32 is to nearest, ties to even; overflow gives ±inf and
NaN stays NaN — the same rules as Thaw's writer (Sources/ThawStore/HalfFloat.swift).
"""
import numpy as np

WIDTH = {"f32": 4, "f16": 2, "bf16": 2}   # bytes per element


def widen(raw, dtype):
    """Little-endian bytes (or a uint8 array) of `dtype` elements → float32 [n]."""
    buf = np.frombuffer(raw, dtype=np.uint8) if not isinstance(raw, np.ndarray) else raw.reshape(-1)
    if dtype == "f32":
        return buf.view("<f4").astype(np.float32)
    if dtype == "f16":
        return buf.view("<f2").astype(np.float32)
    if dtype == "bf16":
        return (buf.view("<u2").astype(np.uint32) << np.uint32(16)).view(np.float32)
    raise ValueError(f"unknown dtype {dtype!r}; expected one of f32, f16, bf16")


def round_to(x, dtype):
    """float32 array → the same values rounded to `dtype` and widened back to float32."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if dtype == "f32":
        return x
    if dtype == "f16":
        with np.errstate(over="ignore"):          # overflow to ±inf is the rule, not a mistake
            return x.astype(np.float16).astype(np.float32)
    if dtype == "bf16":
        bits = x.view(np.uint32)
        rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) & np.uint32(0xFFFF0000)
        nan = np.isnan(x)
        if nan.any():                              # truncation could turn a NaN into ±inf: keep it quiet NaN
            rounded[nan] = (bits[nan] & np.uint32(0xFFFF0000)) | np.uint32(0x00400000)
        return rounded.view(np.float32)
    raise ValueError(f"unknown dtype {dtype!r}; expected one of f32, f16, bf16")
