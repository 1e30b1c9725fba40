"""Model bundles (docs/bundle-format.md) as callable heads.

    head = thaw.load_bundle("head.safetensors")
    p = head(cache.tap(head.tap, split="test"))     # float32 [N, K], as `thaw predict --cache`
    classes = [head.classes[i] for i in head.predict(features)]
"""
import json
import os

import numpy as np

from . import _head
from ._dtypes import WIDTH
from ._errors import BundleError
from ._safetensors import read_safetensors

FORMAT = "thaw-bundle-1"
HEAD_TYPES = ("linear", "mlp", "logistic")
ACTIVATIONS = ("relu", "gelu")


def load_bundle(path):
    """Reads and checks the bundle at `path`; returns a callable `Bundle` (kind `head`).

    A `finetuned` bundle holds a whole network: it needs the backbone to run, which this package
    does not have — it raises a BundleError that says to use `thaw predict` or the ONNX export."""
    path = os.fspath(path)
    metadata, tensors = read_safetensors(path)
    description = read_description(path, metadata)
    if description["kind"] == "finetuned":
        raise BundleError(path, "this is a `finetuned` bundle: its logits come from the whole fine-tuned "
                                f"{description.get('backbone', {}).get('name', 'network')}, which needs the backbone "
                                "and the raw inputs, not cached features",
                          f"run it with `thaw predict --bundle {path} INPUT…`, or export it with "
                          f"`thaw export --bundle {path} --onnx model.onnx` and run that in ONNX Runtime")
    return Bundle(path, description, tensors)


def read_description(path, metadata):
    """The `bundle` description of a safetensors metadata dict, its format and fields checked."""
    fmt = metadata.get("format")
    if fmt is None:
        raise BundleError(path, "not a Thaw bundle: the safetensors metadata has no `format` "
                                "(plain weights, or a head exported before bundles existed)",
                          "export the head again with `thaw fit --export FILE` (or `thaw sweep --export-best FILE`)")
    if fmt != FORMAT:
        raise BundleError(path, f"bundle format {fmt!r} is not {FORMAT!r}, the only one this reader knows",
                          "install the Python package from the Thaw that wrote the file (pip install ./python), "
                          "or re-export the bundle with this Thaw")
    try:
        description = json.loads(metadata.get("bundle", ""))
    except json.JSONDecodeError as e:
        raise BundleError(path, f"metadata `bundle` is not JSON ({e})", "export the bundle again") from None
    problem = description_problem(description)
    if problem:
        raise BundleError(path, f"metadata `bundle`: {problem}", "export the bundle again with `thaw fit --export`")
    return description


def description_problem(d):
    """What is wrong with a bundle description, or None."""
    if not isinstance(d, dict):
        return "it is not a JSON object"
    if d.get("kind") not in ("head", "finetuned"):
        return f"kind is {d.get('kind')!r}; expected head or finetuned"
    missing = [k for k in ("tap", "pooling", "head", "classes") if k not in d]
    if missing:
        return f"it lacks {', '.join(missing)}"
    classes = d["classes"]
    if not (isinstance(classes, list) and all(isinstance(c, str) for c in classes)) or len(classes) < 2:
        return "classes must list at least 2 names (a classifier needs 2 classes)"
    if len(set(classes)) != len(classes):
        return "classes names a class twice"
    if d["kind"] == "finetuned":
        return None
    tap, head, pooling = d["tap"], d["head"], d["pooling"]
    if not isinstance(tap, dict) or tap.get("dtype") not in WIDTH:
        return f"tap dtype {(tap.get('dtype') if isinstance(tap, dict) else tap)!r} is not f32, f16 or bf16"
    shape = tap.get("shape")
    if not (isinstance(shape, list) and shape and all(isinstance(x, int) and x > 0 for x in shape)):
        return f"tap shape {shape!r} must be a list of positive integers"
    if pooling not in ("none",) + _head.MAP_POOLINGS:
        return f"pooling {pooling!r} is not one of none, avg, max, avgmax, gem"
    if pooling != "none" and len(shape) < 2:
        return f"pooling {pooling!r} needs a map or token tap, but tap {tap.get('name')!r} has shape {shape}"
    if len(tap.get("layout", "")) != len(shape):
        return f"tap layout {tap.get('layout')!r} does not have one letter per axis of shape {shape}"
    if not isinstance(head, dict) or head.get("type") not in HEAD_TYPES:
        return f"head type {(head.get('type') if isinstance(head, dict) else head)!r} is not one of {', '.join(HEAD_TYPES)}"
    hidden = head.get("hidden", [])
    if not (isinstance(hidden, list) and all(isinstance(x, int) and x > 0 for x in hidden)):
        return f"head hidden widths {hidden!r} must be positive integers"
    if head["type"] != "mlp" and hidden:
        return f"a {head['type']} head has no hidden layers, but hidden is {hidden}"
    if head["type"] == "mlp" and len(hidden) not in (1, 2):
        return f"an mlp head needs 1 or 2 hidden widths, not {hidden}"
    if head["type"] == "logistic" and pooling == "gem":
        return "a logistic-regression head cannot use gem pooling"
    if hidden and head.get("activation") not in ACTIVATIONS:
        return f"activation {head.get('activation')!r} is not relu or gelu"
    return None


class Bundle:
    """A head bundle: call it on tap features [N, *tap shape] for probabilities [N, K]."""

    def __init__(self, path, description, tensors):
        self.path = path
        self.metadata = description                  # the whole `bundle` description
        self.kind = description["kind"]
        self.classes = list(description["classes"])
        self.tap_info = dict(description["tap"])     # name, dtype, shape, layout
        self.tap = self.tap_info.get("name")
        self.pooling = description["pooling"]
        self.head = dict(description["head"], hidden=list(description["head"].get("hidden", [])))
        self.tensors = _check_tensors(path, description, self.head, tensors)

    def logits(self, features):
        """float32 [N, K] logits of tap features [N, *tap shape]."""
        return _head.logits(self._features(features), self.tap_info, self.pooling, self.head, self.tensors).astype(np.float32)

    def __call__(self, features):
        """float32 [N, K] class probabilities (softmax of the logits) of tap features [N, *tap shape]."""
        z = _head.logits(self._features(features), self.tap_info, self.pooling, self.head, self.tensors)
        return _head.softmax(z).astype(np.float32)

    predict_proba = __call__                          # scikit-learn's name

    def predict(self, features):
        """int64 [N] indices into `classes` of the most probable class."""
        return np.argmax(self.logits(features), axis=1).astype(np.int64)

    def cache_features(self, cache, split=None):
        """(features float32 [N, *tap shape], rows bool [records]) of an open cache, as `thaw predict
        --cache` reads them: the bundle's tap, view 0, placeholders of unreadable samples left out;
        refuses a cache of another backbone or weight file. `cache.labels[rows]` are the true labels."""
        m = cache.manifest
        backbone = self.metadata.get("backbone", {})
        if (m["backbone"], m.get("weightsSHA256")) != (backbone.get("name"), backbone.get("weightsSHA256")):
            raise BundleError(self.path, f"the cache {cache.path} holds features of {m['backbone']} weights "
                                         f"{str(m.get('weightsSHA256'))[:12]}…, but this bundle was made from {backbone.get('name')} "
                                         f"weights {str(backbone.get('weightsSHA256'))[:12]}…",
                              "use a cache extracted with the bundle's backbone and weights")
        if self.tap not in cache.taps or cache.tap_info(self.tap)["shape"] != self.tap_info["shape"]:
            have = ", ".join(f"{t['name']} {t['shape']}" for t in m["taps"])
            raise BundleError(self.path, f"the cache {cache.path} has no tap {self.tap} of shape {self.tap_info['shape']} "
                                         f"(taps: {have})", f"extract it with `thaw extract --tap {self.tap}`")
        rows = cache.mask(split, view=0) & ~cache.placeholders
        return cache.tap(self.tap, split=split, view=0)[~cache.placeholders[cache.mask(split, view=0)]], rows

    def to_torch(self, probabilities=True):
        """The head as a torch `nn.Module` (float32); its forward returns probabilities, or
        logits with `probabilities=False`. Needs PyTorch."""
        from ._torch_head import head_module
        return head_module(self, probabilities)

    def _features(self, features):
        x = np.asarray(features, dtype=np.float32)
        shape = tuple(self.tap_info["shape"])
        if x.shape[1:] != shape:
            raise BundleError(self.path, f"features have shape {list(x.shape)}, but tap {self.tap!r} of this bundle "
                                         f"needs [N, {', '.join(map(str, shape))}]",
                              f"pass rows of that tap, e.g. thaw.open_cache(CACHE).tap({self.tap!r}, split='test'); "
                              "a single sample needs a leading batch axis (x[None])")
        return x

    def __repr__(self):
        hidden = "×".join(map(str, self.head["hidden"]))
        return (f"<thaw bundle {self.path}: {self.head['type']}{' ' + hidden if hidden else ''} head on "
                f"{self.tap} {self.tap_info['shape']} {self.tap_info['dtype']}, pooling {self.pooling}, {len(self.classes)} classes>")


def _check_tensors(path, description, head, tensors):
    """The `head.` tensors, each present with its shape, nothing else under `head.`, all finite."""
    expected = _head.expected_tensors(description["tap"]["shape"], description["pooling"], head, len(description["classes"]))
    present = {k for k in tensors if k.startswith("head.")}
    missing = [k for k in expected if k not in present]
    unused = sorted(present - set(expected))
    if missing or unused:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unexpected {', '.join(unused)}"] if unused else [])
        raise BundleError(path, f"the head's tensors disagree with its description ({'; '.join(parts)})",
                          "the file is damaged or was edited: export the bundle again")
    for name, shape in expected.items():
        if list(tensors[name].shape) != shape:
            raise BundleError(path, f"tensor {name} has shape {list(tensors[name].shape)}, expected {shape} "
                                    f"(tap {description['tap'].get('name')} {description['tap']['shape']}, pooling "
                                    f"{description['pooling']}, {len(description['classes'])} classes)",
                              "the file is damaged or was edited: export the bundle again")
        if not np.isfinite(tensors[name]).all():
            raise BundleError(path, f"tensor {name} holds NaN or infinite values", "the training diverged: fit the head again")
    if "head.gem.p" in expected and not tensors["head.gem.p"][0] > 0:
        raise BundleError(path, f"GeM exponent head.gem.p is {tensors['head.gem.p'][0]}; it must be positive",
                          "export the bundle again")
    return {name: tensors[name] for name in expected}
