"""The cache manifest (docs/cache-format.md, "Manifest fields"): checked once, before any size is
derived from it, so a damaged or hand-edited manifest gives an error instead of a wrong read."""
import json

from ._crc32c import crc32c
from ._dtypes import WIDTH
from ._errors import CacheError

FORMAT_VERSION = 1
MAX_RECORD_PAYLOAD = 1 << 30   # bytes of taps one record may declare (Thaw's limit too)
REQUIRED = ("formatVersion", "backbone", "taps", "labelNames", "splitNames", "sampleCount", "views", "shard")


def parse_manifest(path, raw, stored_crc):
    """`meta/manifest` bytes (and `meta/manifest-crc32c`, or None for older caches) → the manifest dict."""
    if stored_crc is not None:
        computed = f"{crc32c(raw):08x}"
        if bytes(stored_crc).decode("ascii", "replace") != computed:
            raise CacheError(path, f"meta/manifest: checksum mismatch (stored {bytes(stored_crc).decode('ascii', 'replace')}, "
                                   f"computed {computed}): the manifest was damaged or replaced after the cache was written",
                             "restore the cache from a copy, or re-extract it into a new directory")
    try:
        manifest = json.loads(bytes(raw).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CacheError(path, f"meta/manifest is not UTF-8 JSON ({e})", "re-extract the cache") from None
    problem = manifest_problem(manifest)
    if problem:
        raise CacheError(path, f"meta/manifest: {problem}", "re-extract the cache with this version of Thaw")
    return manifest


def manifest_problem(m):
    """What makes manifest `m` unusable, or None."""
    if not isinstance(m, dict):
        return "it is not a JSON object"
    missing = [k for k in REQUIRED if k not in m]
    if missing:
        return f"it lacks {', '.join(missing)}"
    if m["formatVersion"] != FORMAT_VERSION:
        return f"formatVersion is {m['formatVersion']!r}; this reader knows version {FORMAT_VERSION} only"
    taps = m["taps"]
    if not isinstance(taps, list) or not taps:
        return "it lists no taps"
    names = [t.get("name") if isinstance(t, dict) else None for t in taps]
    if len(set(names)) != len(names):
        return "its tap names are not unique"
    payload = 0
    for t in taps:
        shape = t.get("shape")
        if t.get("dtype") not in WIDTH:
            return f"tap {t.get('name')!r} has dtype {t.get('dtype')!r}; expected f32, f16 or bf16"
        if not isinstance(shape, list) or not shape or not all(isinstance(d, int) and d > 0 for d in shape):
            return f"tap {t.get('name')!r} has shape {shape!r}; every dimension must be a positive integer"
        if len(t.get("layout", "")) != len(shape):
            return f"tap {t.get('name')!r} has layout {t.get('layout')!r} for a shape of {len(shape)} axes"
        payload += tap_elements(t) * WIDTH[t["dtype"]]
        if payload > MAX_RECORD_PAYLOAD:
            return f"its taps need more than {MAX_RECORD_PAYLOAD} bytes per record"
    if not isinstance(m["views"], int) or not 1 <= m["views"] <= 0xFFFF:
        return f"views is {m['views']!r}; it must be in 1...65535"
    if not isinstance(m["sampleCount"], int) or m["sampleCount"] < 0:
        return f"sampleCount is {m['sampleCount']!r}"
    if not isinstance(m["splitNames"], list) or not m["splitNames"]:
        return "it has no split names"
    shard = m["shard"]
    if not (isinstance(shard, dict) and isinstance(shard.get("count"), int) and isinstance(shard.get("index"), int)
            and shard["count"] >= 1 and 0 <= shard["index"] < shard["count"]):
        return f"shard {shard!r} is not {{index, count}} with 0 ≤ index < count"
    return None


def tap_elements(tap):
    n = 1
    for d in tap["shape"]:
        n *= d
    return n


def index_range(m):
    """Sample indices [lo, hi) of this shard: shard i of N over n holds i·⌊n/N⌋ + min(i, n mod N) onwards."""
    n, i, count = m["sampleCount"], m["shard"]["index"], m["shard"]["count"]
    base, extra = divmod(n, count)
    lo = i * base + min(i, extra)
    return lo, lo + base + (1 if i < extra else 0)
