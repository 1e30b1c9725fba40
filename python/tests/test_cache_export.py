"""open_cache arrays equal `thaw cache export` (.npy) exactly, for every tap, dtype and split."""
import numpy as np
import pytest

import thaw
from conftest import export_tap, manifest_of


def assert_same_as_export(cache_path, work, splits=(None,)):
    cache = thaw.open_cache(cache_path)
    assert cache.complete
    for tap in cache.taps:
        for split in splits:
            expected, labels = export_tap(cache_path, tap, work, split)
            got = cache.tap(tap, split=split)
            assert got.dtype == np.float32 and got.shape == expected.shape == (len(labels), *cache.tap_info(tap)["shape"])
            assert np.array_equal(got, expected), f"{tap} {split}: {np.abs(got - expected).max()} max difference"
            assert np.array_equal(cache.labels[cache.mask(split)], labels)
    return cache


def test_f16_image_cache_equals_export(image_cache, work):
    cache = assert_same_as_export(image_cache, work, splits=(None, "train", "test"))
    assert cache.taps == ["blocks.11", "pool"]
    assert cache.tap_info("blocks.11") == {"name": "blocks.11", "dtype": "f16", "shape": [3, 3, 192], "layout": "HWC"}
    assert len(cache) == 80 and (cache.splits == "test").sum() == 40 and (cache.splits == "val").sum() == 0


def test_bf16_text_cache_equals_export(text_cache, work):
    cache = assert_same_as_export(text_cache, work, splits=(None, "val"))
    assert cache.tap_info("layer.4")["layout"] == "TC" and cache.tap_info("pool")["dtype"] == "bf16"
    # bf16 widened: the low 16 bits of every float32 are zero
    assert not (cache.tap("pool").view(np.uint32) & 0xFFFF).any()


def test_f32_cache_equals_export(f32_cache, work):
    assert_same_as_export(f32_cache, work, splits=(None, "test"))


def test_views_cache_equals_export(views_cache, work):
    cache = assert_same_as_export(views_cache, work)
    assert cache.views == 3 and len(cache) == 3 * 40
    assert list(cache.record_views[:6]) == [0, 1, 2, 0, 1, 2]
    assert np.array_equal(cache.indices, np.repeat(np.arange(40), 3))
    centre = cache.tap("pool", view=0)
    assert centre.shape == (40, 1280) and np.array_equal(centre, cache.tap("pool")[::3])
    # training images differ between views (random crops); val/test store the centre crop under every view
    train, test = cache.mask("train", view=1), cache.mask("test", view=1)
    assert not np.array_equal(cache.tap("pool")[train], cache.tap("pool", split="train", view=0))
    assert np.array_equal(cache.tap("pool")[test], cache.tap("pool", split="test", view=0))


def test_manifest_labels_splits_ids(text_cache):
    cache = thaw.open_cache(text_cache)
    assert cache.manifest == manifest_of(text_cache)
    assert cache.label_names == ["business", "entertainment", "politics", "sports", "tech"]
    assert cache.split_names == ["train", "val", "test"] and cache.backbone == "all-minilm-l6-v2"
    assert list(np.unique(cache.splits, return_counts=True)[1]) == [8, 8, 8]
    # ids are the articles' paths, class folder first: they agree with the labels
    assert len(set(cache.ids)) == len(cache) == 24
    assert all(i.split("/")[0] == cache.label_names[label] for i, label in zip(cache.ids, cache.labels))
    assert np.array_equal(cache.indices, np.arange(24))


def test_shards_cover_the_whole_cache(shard_caches, f32_cache):
    whole = thaw.open_cache(f32_cache)
    parts = [thaw.open_cache(p) for p in shard_caches]
    assert [p.index_range for p in parts] == [(0, 10), (10, 20)]
    assert np.array_equal(np.concatenate([p.indices for p in parts]), whole.indices)
    assert np.array_equal(np.concatenate([p.tap("pool") for p in parts]), whole.tap("pool"))
    assert sum((p.ids for p in parts), []) == whole.ids
    assert parts[1].manifest["shard"] == {"index": 1, "count": 2}


def test_unknown_tap_split_and_view_name_the_choices(image_cache):
    cache = thaw.open_cache(image_cache)
    with pytest.raises(thaw.CacheError, match=r"no tap named 'fc'.*Fix: choose one of blocks.11, pool"):
        cache.tap("fc")
    with pytest.raises(thaw.CacheError, match=r"no split named 'valid'.*train, val, test"):
        cache.tap("pool", split="valid")
    with pytest.raises(thaw.CacheError, match=r"no view 1.*0..<1"):
        cache.tap("pool", view=1)


def test_empty_split_gives_zero_rows(image_cache):
    x = thaw.open_cache(image_cache).tap("blocks.11", split="val")
    assert x.shape == (0, 3, 3, 192) and x.dtype == np.float32
