"""Thaw's outputs in Python: feature caches as numpy arrays, model bundles as callable heads.

    import thaw
    cache = thaw.open_cache("cache/fm")                 # docs/cache-format.md
    x, y = cache.tap("pool", split="test"), cache.labels[cache.mask("test")]
    head = thaw.load_bundle("head.safetensors")         # docs/bundle-format.md
    probabilities = head(x)                            # [N, K], as `thaw predict --cache`
"""
from ._errors import BundleError, CacheError
from .bundle import Bundle, load_bundle
from ._verify import VerifyReport
from .cache import Cache, open_cache

__version__ = "0.1.0"
__all__ = ["open_cache", "Cache", "load_bundle", "Bundle", "VerifyReport", "CacheError", "BundleError", "__version__"]
