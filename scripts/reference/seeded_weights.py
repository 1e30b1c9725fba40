"""Seeded weights that Swift regenerates bit for bit (no weight file is committed for ResNets).

Recipe (documented in Tests/ThawBackbonesTests/Fixtures/README.md; all integer arithmetic mod 2^64):
  splitmix64 state s; next(): s += 0x9E3779B97F4A7C15; z = s;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB; return z ^ (z >> 31)
  uniform() = (next() >> 40) * 2^-24, in [0, 1)
  per tensor: s0 = fnv1a64(utf-8 name) XOR base_seed   (fnv1a64: h = 0xcbf29ce484222325; per byte h ^= b; h *= 0x100000001b3)
  element i, row-major in torch's shape, computed in float64 then rounded to float32:
      weight, rank ≥ 2 (conv, linear): (2u − 1) · sqrt(6 / fan_in), fan_in = product of shape[1:]
      weight, rank 1 (BatchNorm γ):    0.5 + u
      bias (any):                       (2u − 1) · 0.1
      running_mean:                     (2u − 1) · 0.1
      running_var:                      0.5 + u
      num_batches_tracked:              0 (no draw)
Element i uses the (i+1)-th output of the generator, so the state before it is s0 + i·γ: the vectorised
form below computes every element independently with numpy uint64 arrays (which wrap mod 2^64).
"""
import math

import numpy as np  # torch is imported lazily: the recipe itself needs numpy only

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB


def fnv1a64(name):
    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & MASK
    return h


class SplitMix64:
    """Scalar reference on Python ints (slow; used to check the vectorised path)."""

    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + GAMMA) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * MIX1) & MASK
        z = ((z ^ (z >> 27)) * MIX2) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return float(self.next() >> 40) * 2.0 ** -24


def uniforms(seed, n):
    """First n uniform() values of splitmix64(seed), float64 (n,). Vectorised; numpy uint64 wraps mod 2^64."""
    i = np.arange(1, n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed & MASK) + i * np.uint64(GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) * 2.0 ** -24


def tensor_rule(name, shape):
    """Which formula applies to a tensor: 'kaiming', 'bn_weight', 'bias', 'running_mean', 'running_var', 'zero'."""
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "num_batches_tracked":
        return "zero"
    if leaf == "running_mean":
        return "running_mean"
    if leaf == "running_var":
        return "running_var"
    if leaf == "bias":
        return "bias"
    if leaf == "weight":
        return "kaiming" if len(shape) >= 2 else "bn_weight"
    raise ValueError(f"seeded_weights: no rule for tensor '{name}' of shape {tuple(shape)}")


def seeded_array(name, shape, base_seed):
    """float32 numpy array of `shape` (torch's order) filled by the recipe."""
    rule = tensor_rule(name, shape)
    n = int(np.prod(shape)) if len(shape) else 1
    if rule == "zero":
        return np.zeros(shape, dtype=np.int64)
    u = uniforms(fnv1a64(name) ^ (base_seed & MASK), n)
    if rule == "kaiming":
        fan_in = int(np.prod(shape[1:]))
        v = (2.0 * u - 1.0) * math.sqrt(6.0 / fan_in)
    elif rule in ("bn_weight", "running_var"):
        v = 0.5 + u
    else:  # bias, running_mean
        v = (2.0 * u - 1.0) * 0.1
    return v.astype(np.float32).reshape(shape)


def seeded_state_dict(model, base_seed):
    """A state dict for every key of `model.state_dict()`, filled by the recipe."""
    import torch

    out = {}
    for name, t in model.state_dict().items():
        a = seeded_array(name, tuple(t.shape), base_seed)
        out[name] = torch.from_numpy(a).to(t.dtype).reshape(t.shape)
    return out


def load_seeded(model, base_seed):
    """Fill `model` strictly with seeded weights and put it in eval mode."""
    model.load_state_dict(seeded_state_dict(model, base_seed), strict=True)
    return model.eval()


def self_check():
    """Vectorised path equals the scalar reference; returns the published check vector."""
    g = SplitMix64(0)
    first = [g.next() for _ in range(3)]
    assert first == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F], [hex(x) for x in first]
    for seed in (0, 12345, MASK, fnv1a64("layer1.0.conv1.weight") ^ 50):
        g = SplitMix64(seed)
        ref = [g.uniform() for _ in range(1000)]
        assert np.array_equal(np.array(ref), uniforms(seed, 1000)), seed
    return first
