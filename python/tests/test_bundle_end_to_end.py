"""Bundles written by `thaw fit --export` / `thaw sweep --export-best` on real caches: load_bundle's
probabilities equal `thaw predict --cache --json` to 1e-5, sample by sample."""
import importlib.util
import json

import numpy as np
import pytest

import thaw
from conftest import run_thaw

HAS_TORCH = importlib.util.find_spec("torch") is not None

FITS = {   # name: (cache fixture, thaw fit arguments)
    "pool-linear": ("image_cache", ["--tap", "pool"]),
    "pool-mlp64": ("image_cache", ["--tap", "pool", "--head", "mlp:64"]),
    "pool-lbfgs": ("image_cache", ["--tap", "pool", "--optimizer", "lbfgs"]),
    "map-gem-linear": ("image_cache", ["--tap", "blocks.11", "--pooling", "gem"]),
    "map-gem-mlp64": ("image_cache", ["--tap", "blocks.11", "--pooling", "gem", "--head", "mlp:64"]),
    "map-avgmax-mlp32x16": ("image_cache", ["--tap", "blocks.11", "--pooling", "avgmax", "--head", "mlp:32,16"]),
    "map-max-linear": ("image_cache", ["--tap", "blocks.11", "--pooling", "max"]),
    "text-pool-bf16": ("text_cache", ["--tap", "pool"]),
    "text-tokens-avg-bf16": ("text_cache", ["--tap", "layer.4", "--pooling", "avg", "--head", "mlp:64"]),
    "views-map-avg-bf16": ("views_cache", ["--tap", "blocks.11", "--pooling", "avg"]),
}


def predict_json(cache, bundle, split="test"):
    """`thaw predict --cache --json`: ids and full probability rows [N, K] in the bundle's class order."""
    classes = thaw.load_bundle(bundle).classes
    out = json.loads(run_thaw("predict", "--cache", cache, "--bundle", bundle, "--split", split, "--json",
                              "--top", len(classes)).stdout)
    assert out["classes"] == classes and out["count"] == len(out["rows"])
    p = np.array([[{t["label"]: t["probability"] for t in r["top"]}[c] for c in classes] for r in out["rows"]])
    return [r["id"] for r in out["rows"]], [r["predicted"] for r in out["rows"]], p


def assert_equals_thaw_predict(cache_path, bundle_path):
    bundle, cache = thaw.load_bundle(bundle_path), thaw.open_cache(cache_path)
    x, rows = bundle.cache_features(cache, "test")                   # view 0 of each test sample
    p = bundle(x)
    if cache.views == 1:                                              # the documented round trip, literally
        assert np.array_equal(bundle(cache.tap(bundle.tap, split="test")), p)
    ids, predicted, expected = predict_json(cache_path, bundle_path)
    assert ids == [i for i, keep in zip(cache.ids, rows) if keep]
    worst = np.abs(p - expected).max()
    assert p.shape == expected.shape and worst < 1e-5, f"worst probability difference {worst}"
    margin = np.sort(p, axis=1)[:, -1] - np.sort(p, axis=1)[:, -2]
    agree = [bundle.classes[i] == name for i, name in zip(bundle.predict(x), predicted)]
    assert all(a or m < 1e-5 for a, m in zip(agree, margin)), "a prediction differs without a tie"
    return bundle, p


@pytest.fixture(scope="session")
def fitted(request, work):
    """name → bundle path, fitted once per session."""
    made = {}
    def get(name):
        if name not in made:
            fixture, args = FITS[name]
            cache = request.getfixturevalue(fixture)
            path = work / f"{name}.safetensors"
            run_thaw("fit", "--cache", cache, *args, "--export", path)
            made[name] = (cache, path)
        return made[name]
    return get


@pytest.mark.parametrize("name", FITS)
def test_fit_export_equals_thaw_predict(name, fitted):
    cache, path = fitted(name)
    bundle, p = assert_equals_thaw_predict(cache, path)
    args = FITS[name][1]
    assert bundle.tap == args[1] and bundle.kind == "head"
    assert bundle.pooling == (args[args.index("--pooling") + 1] if "--pooling" in args else "none")
    assert bundle.head["type"] == ("logistic" if "lbfgs" in args else "mlp" if "--head" in args else "linear")
    # the bundle's recorded test accuracy is what these probabilities give
    cache_labels = thaw.open_cache(cache).labels[thaw.open_cache(cache).mask("test", view=0)]
    assert abs(np.mean(np.argmax(p, axis=1) == cache_labels) - bundle.metadata["metrics"]["test_top1"]) < 1e-9


def test_sweep_export_best_equals_thaw_predict(image_cache, work):
    path = work / "sweep-best.safetensors"
    run_thaw("sweep", "--cache", image_cache, "--tap", "pool", "--lr", "0.01,0.1", "--weight-decay", "0",
             "--head", "linear", "--head", "mlp:32", "--epochs", 5, "--export-best", path)
    assert_equals_thaw_predict(image_cache, path)


def test_finetuned_bundle_is_refused_with_the_way_to_run_it(image_cache, work):
    path = work / "finetuned.safetensors"
    run_thaw("finetune", "--cache", image_cache, "--from", "blocks.11", "--epochs", 1, "--export", path)
    with pytest.raises(thaw.BundleError, match=r"finetuned.safetensors: this is a `finetuned` bundle.*needs the backbone.*"
                                               r"thaw predict --bundle .*thaw export --bundle"):
        thaw.load_bundle(path)


def test_cache_of_another_backbone_is_refused(fitted, text_cache):
    _, path = fitted("pool-linear")
    with pytest.raises(thaw.BundleError, match=r"holds features of all-minilm-l6-v2 weights .* made from efficientnet-lite0"):
        thaw.load_bundle(path).cache_features(thaw.open_cache(text_cache))


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (optional; pip install torch to run these)")
@pytest.mark.parametrize("name", ["pool-mlp64", "map-gem-mlp64", "text-tokens-avg-bf16"])
def test_torch_module_equals_thaw_predict(name, fitted):
    import torch
    cache, path = fitted(name)
    bundle = thaw.load_bundle(path)
    with torch.no_grad():
        p = bundle.to_torch()(torch.from_numpy(thaw.open_cache(cache).tap(bundle.tap, split="test"))).numpy()
    _, _, expected = predict_json(cache, path)
    assert np.abs(p - expected).max() < 1e-5, np.abs(p - expected).max()


def test_placeholders_of_unreadable_samples_are_left_out_as_thaw_predict_does(skipped_cache, tmp_path):
    from bundle_files import description, random_head, write_bundle
    cache = thaw.open_cache(skipped_cache)
    assert cache.ids[0] == "!skipped:cat/broken.jpg" and list(cache.placeholders) == [True, False, False, False]
    assert cache.labels[0] == -1 and cache.label_names == ["cat", "other"]
    d = description([1280], classes=cache.label_names)                  # a head for this cache's backbone and tap
    d["backbone"]["weightsSHA256"], d["preprocessing"] = cache.manifest["weightsSHA256"], cache.manifest["preprocessing"]
    path = write_bundle(tmp_path / "photos.safetensors", d, random_head(d))
    bundle = thaw.load_bundle(path)
    x, rows = bundle.cache_features(cache, "train")
    assert list(rows) == [False, True, True, True] and x.shape == (3, 1280)
    out = json.loads(run_thaw("predict", "--cache", skipped_cache, "--bundle", path, "--split", "train", "--json",
                              "--top", 2).stdout)
    assert [r["id"] for r in out["rows"]] == cache.ids[1:]
    expected = np.array([[{t["label"]: t["probability"] for t in r["top"]}[c] for c in bundle.classes] for r in out["rows"]])
    assert np.abs(bundle(x) - expected).max() < 1e-5


def test_head_applied_to_new_unlabeled_data(fitted, unlabeled_cache):
    """A Fashion-MNIST head on a cache of new, unlabeled photos: the same probabilities as thaw predict."""
    _, path = fitted("pool-mlp64")
    cache, bundle = thaw.open_cache(unlabeled_cache), thaw.load_bundle(path)
    assert cache.label_names == [] and list(cache.labels) == [-1, -1, -1]
    x, rows = bundle.cache_features(cache)
    out = json.loads(run_thaw("predict", "--cache", unlabeled_cache, "--bundle", path, "--json", "--top", 10).stdout)
    assert [r["id"] for r in out["rows"]] == cache.ids and all(r.get("label") is None for r in out["rows"])
    expected = np.array([[{t["label"]: t["probability"] for t in r["top"]}[c] for c in bundle.classes] for r in out["rows"]])
    assert np.abs(bundle(x) - expected).max() < 1e-5
