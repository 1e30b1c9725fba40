"""Session fixtures: real caches written by the Thaw binary of this checkout.

THAW_BIN names the binary (default: .build/release/thaw at the repository root; `make test` builds
it first). A missing binary or a failed extraction fails the tests that need it: nothing is skipped.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))     # the package of this checkout, installed or not
THAW_BIN = Path(os.environ.get("THAW_BIN", REPO / ".build" / "release" / "thaw"))


def run_thaw(*args, check=True):
    """Runs the thaw binary; returns its stdout, or fails the test with its stderr."""
    if not THAW_BIN.is_file():
        pytest.fail(f"no Thaw binary at {THAW_BIN}: build it with `swift build -c release --product thaw` "
                    "or set THAW_BIN", pytrace=False)
    r = subprocess.run([str(THAW_BIN), *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        pytest.fail(f"thaw {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr}", pytrace=False)
    return r


def export_tap(cache, tap, out_dir, split=None):
    """(float32 array, int32 labels) of `thaw cache export` for one tap (and split)."""
    out = Path(out_dir) / f"{Path(cache).name}-{tap}-{split or 'all'}.npy"
    run_thaw("cache", "export", cache, "--tap", tap, "-o", out, *(["--split", split] if split else []))
    return np.load(out), np.load(str(out)[:-4] + ".labels.npy")


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("thaw")


def _extract(work, name, *args):
    cache = work / name
    run_thaw("extract", "--cache", cache, *args)
    return cache


LITE0 = ("--model", "efficientnet-lite0", "--data", "fashion-mnist")


@pytest.fixture(scope="session")
def image_cache(work):
    """Fashion-MNIST through EfficientNet-Lite0: pool f16 [1280] + blocks.11 f16 [3, 3, 192]; 40 train + 40 test."""
    return _extract(work, "fm", *LITE0, "--limit", 40, "--image-size", 96)


@pytest.fixture(scope="session")
def text_cache(work):
    """BBC News through all-MiniLM-L6-v2: pool bf16 [384] + layer.4 bf16 [256, 384]; 8 per split."""
    return _extract(work, "bbc", "--model", "all-minilm-l6-v2", "--data", "bbc-news", "--limit", 8, "--dtype", "bf16")


@pytest.fixture(scope="session")
def f32_cache(work):
    """pool f32 [1280], 10 train + 10 test."""
    return _extract(work, "fm-f32", *LITE0, "--limit", 10, "--image-size", 64, "--tap", "pool", "--dtype", "f32")


@pytest.fixture(scope="session")
def shard_caches(work, f32_cache):
    """The same extraction as `f32_cache` in two shards."""
    return [_extract(work, f"fm-f32-shard{i}", *LITE0, "--limit", 10, "--image-size", 64, "--tap", "pool",
                     "--dtype", "f32", "--shard", f"{i}/2") for i in range(2)]


@pytest.fixture(scope="session")
def views_cache(work):
    """Two augmented views per training image (manifest views = 3), bf16 maps."""
    return _extract(work, "fm-views", *LITE0, "--limit", 20, "--image-size", 64, "--views", 2, "--dtype", "bf16",
                    "--tap", "pool", "--tap", "blocks.11")


@pytest.fixture
def damaged_copy(tmp_path):
    """copy(cache) → a fresh copy of `cache` under the test's temporary directory, to damage."""
    def copy(cache):
        target = tmp_path / Path(cache).name
        shutil.copytree(cache, target)
        return target
    return copy


def manifest_of(cache):
    return json.loads(run_thaw("cache", "info", "--json", cache).stdout)["manifest"]


PHOTOS = Path("/usr/local/share/thaw/photos")   # installed by scripts/deps.sh


@pytest.fixture(scope="session")
def skipped_cache(work):
    """Class folders of real photos with one truncated JPEG, extracted with --on-error skip: the broken
    file becomes a placeholder record (id "!skipped:…", label -1)."""
    folder = work / "photos"
    for name, cls in [("chelsea.png", "cat"), ("coffee.png", "other"), ("dog.jpg", "other")]:
        (folder / cls).mkdir(parents=True, exist_ok=True)
        shutil.copy(PHOTOS / name, folder / cls / name)
    (folder / "cat" / "broken.jpg").write_bytes((PHOTOS / "horses.jpg").read_bytes()[:2000])
    return _extract(work, "photos-skip", "--model", "efficientnet-lite0", "--data", folder, "--on-error", "skip",
                    "--tap", "pool", "--image-size", 64)


@pytest.fixture(scope="session")
def unlabeled_cache(work):
    """New data: a flat folder of real photos (no class sub-folders), so every sample is unlabeled."""
    folder = work / "new-photos"
    folder.mkdir(exist_ok=True)
    for name in ("eagle.jpg", "horses.jpg", "astronaut.png"):
        shutil.copy(PHOTOS / name, folder / name)
    return _extract(work, "new-photos", "--model", "efficientnet-lite0", "--data", folder, "--tap", "pool", "--image-size", 96)
