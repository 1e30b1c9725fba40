"""PyTorch adapters: the Dataset over a cache tap and the head as an nn.Module (skipped without torch)."""
import importlib.util
import sys

import numpy as np
import pytest

import thaw
from bundle_files import description, random_head, write_bundle
from test_bundle_forward import CASES

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (optional; pip install torch to run these)")


def test_without_torch_the_error_says_how_to_install_it(image_cache, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)     # `import torch` fails, as where it is not installed
    with pytest.raises(ImportError, match=r"Cache.torch_dataset needs PyTorch.*Fix: pip install torch"):
        thaw.open_cache(image_cache).torch_dataset("pool")
    d = description([1280])
    with pytest.raises(ImportError, match=r"Bundle.to_torch needs PyTorch"):
        thaw.load_bundle(write_bundle(tmp_path / "b.safetensors", d, random_head(d))).to_torch()


@needs_torch
def test_dataset_yields_the_tap_rows_and_labels(image_cache):
    import torch
    cache = thaw.open_cache(image_cache)
    ds = cache.torch_dataset("blocks.11", split="test")
    assert len(ds) == 40
    x, y = ds[7]
    assert x.dtype == torch.float32 and tuple(x.shape) == (3, 3, 192)
    assert np.array_equal(x.numpy(), cache.tap("blocks.11", split="test")[7]) and y == cache.labels[cache.mask("test")][7]
    batch_x, batch_y = next(iter(torch.utils.data.DataLoader(ds, batch_size=16)))
    assert tuple(batch_x.shape) == (16, 3, 3, 192) and batch_y.dtype == torch.int64


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['tap']}-{c['pooling']}-{c['head_type']}-{len(c.get('hidden', ()))}")
def test_module_equals_the_numpy_head(case, image_cache, tmp_path):
    import torch
    cache = thaw.open_cache(image_cache)
    features = cache.tap(case["tap"], split="test")
    d = description(cache.tap_info(case["tap"])["shape"], classes=cache.label_names, **case)
    bundle = thaw.load_bundle(write_bundle(tmp_path / "b.safetensors", d, random_head(d)))
    module = bundle.to_torch()
    assert isinstance(module, torch.nn.Module) and not module.training
    with torch.no_grad():
        p = module(torch.from_numpy(features)).numpy()
        z = bundle.to_torch(probabilities=False)(torch.from_numpy(features)).numpy()
    assert np.abs(p - bundle(features)).max() < 1e-5, np.abs(p - bundle(features)).max()
    assert np.abs(z - bundle.logits(features)).max() < 1e-4 * max(1, np.abs(z).max())
