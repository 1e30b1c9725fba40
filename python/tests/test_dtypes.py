"""Widening and rounding of f16/bf16 (the rules of Sources/ThawStore/HalfFloat.swift)."""
import numpy as np

from thaw._dtypes import round_to, widen


def test_widen_is_exact():
    f16 = np.array([0x3C00, 0x0001, 0xFC00, 0x7E00], dtype="<u2").tobytes()
    assert list(widen(f16, "f16")[:3]) == [1.0, 2.0 ** -24, -np.inf] and np.isnan(widen(f16, "f16")[3])
    bf16 = np.array([0x3F80, 0xC049, 0x0001], dtype="<u2").tobytes()
    assert list(widen(bf16, "bf16")) == [1.0, -3.140625, np.float32(2.0 ** -133)]
    assert list(widen(np.array([1.5, -2], "<f4").tobytes(), "f32")) == [1.5, -2.0]


def test_overflow_gives_infinity_and_nan_stays_nan():
    x = np.array([70000.0, -3e38, np.nan, -np.nan, np.inf], dtype=np.float32)
    f16 = round_to(x, "f16")
    assert f16[0] == np.inf and f16[1] == -np.inf and np.isnan(f16[2]) and np.isnan(f16[3]) and f16[4] == np.inf
    bf16 = round_to(np.array([3.4e38, np.nan, -np.nan, -np.inf], dtype=np.float32), "bf16")
    assert bf16[0] == np.inf and np.isnan(bf16[1]) and np.isnan(bf16[2]) and bf16[3] == -np.inf
    # a NaN whose payload sits in the low half only would truncate to inf: it must stay NaN
    low_nan = np.array([0x7F800001], dtype=np.uint32).view(np.float32)
    assert np.isnan(round_to(low_nan, "bf16")[0])


def test_rounding_is_idempotent_on_widened_values():
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 1 << 16, 5000, dtype=np.uint32).astype("<u2")
    for dtype in ("f16", "bf16"):
        x = widen(bits.tobytes(), dtype)
        same = round_to(x, dtype)
        finite = ~np.isnan(x)
        assert np.array_equal(same[finite], x[finite]) and np.isnan(same[~finite]).all()
