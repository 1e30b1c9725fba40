#!/usr/bin/env python3
"""Compares regenerated golden fixtures with the committed ones (run by scripts/goldens.sh).

    python3 scripts/golden/diff_goldens.py REPO COPY STAMP [--rtol 1e-4]

Every file under COPY/Tests newer than STAMP (written by a generator) is compared with REPO's:
identical bytes; or, for float data, close: |a − b| ≤ rtol·(|b| + max|b|) + atol element-wise (NaN only
where the committed file has NaN at the same place; atol, default 1e-12, absorbs float64 round-off of
gradients that are exactly zero in theory) — .bin as float32, .f16 as float16, .npy by its header, .json
with every number compared that way; PyTorch files (.pt/.pth) are "same content" when their zip members
(timestamps aside) or, for legacy pickles, their loaded tensors are equal; or DIFFERENT (the worst element
is printed).
Also listed: regenerated files that are not committed (new) and committed fixtures no generator wrote.
Exit status 1 when anything differs or is new.
"""
import argparse
import json
import os
import sys

import numpy as np


ATOL = 1e-12
VERSION_KEYS = {"torch", "torchvision", "numpy", "pillow", "PIL", "sklearn", "scikit-learn", "tokenizers", "python"}


def close(a, b, rtol):
    """(ok, worst relative error, index) for float arrays a (new) and b (committed)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        return False, float("inf"), f"shape {a.shape} vs {b.shape}"
    if a.size == 0:
        return True, 0.0, None
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if (nan_a != nan_b).any():
        return False, float("nan"), int(np.argmax(nan_a != nan_b))
    fin = ~nan_b
    a, b = a[fin], b[fin]
    if a.size == 0:
        return True, 0.0, None
    inf_mismatch = (np.isinf(a) | np.isinf(b)) & (a != b)
    if inf_mismatch.any():
        return False, float("inf"), int(np.argmax(inf_mismatch))
    scale = np.abs(b[np.isfinite(b)]).max(initial=0.0)
    with np.errstate(invalid="ignore"):
        err = np.where(np.abs(a - b) <= ATOL, 0.0, np.abs(a - b) / (np.abs(b) + scale + 1e-300))
    i = int(np.argmax(err))
    return bool(err[i] <= rtol), float(err[i]), i


def json_numbers(x, out, path=""):
    """Flattens a JSON value: numbers into out["n"] (with paths), everything else into out["s"]."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        out["s"].append((path, x))
    elif isinstance(x, (int, float)):
        out["n"].append((path, float(x)))
    elif isinstance(x, list):
        out["s"].append((path, f"list[{len(x)}]"))
        for i, v in enumerate(x):
            json_numbers(v, out, f"{path}[{i}]")
    else:
        out["s"].append((path, "keys:" + ",".join(sorted(x))))
        for k in sorted(x):
            json_numbers(x[k], out, f"{path}.{k}")


def same_torch_file(new, old):
    """True when two PyTorch files hold the same thing: equal zip members (name and bytes; zip timestamps
    and torch's version record aside), else equal tensors under torch.load (legacy pickles)."""
    import zipfile
    if zipfile.is_zipfile(new) and zipfile.is_zipfile(old):
        try:
            with zipfile.ZipFile(new) as za, zipfile.ZipFile(old) as zb:
                def members(z):
                    return {i.filename: z.read(i) for i in z.infolist() if not i.filename.endswith("/version")}
                return members(za) == members(zb)
        except Exception:   # deliberately broken archives (hostile fixtures): compare their raw entries
            return False
    try:
        import torch
        a = torch.load(new, map_location="cpu", weights_only=True)
        b = torch.load(old, map_location="cpu", weights_only=True)
    except Exception:
        return False

    def equal(x, y):
        if isinstance(x, torch.Tensor):
            return isinstance(y, torch.Tensor) and x.dtype == y.dtype and x.shape == y.shape and x.stride() == y.stride() \
                and torch.equal(x, y)
        if isinstance(x, dict):
            return isinstance(y, dict) and list(x) == list(y) and all(equal(x[k], y[k]) for k in x)
        if isinstance(x, (list, tuple)):
            return type(x) is type(y) and len(x) == len(y) and all(equal(u, v) for u, v in zip(x, y))
        return x == y
    return equal(a, b)


def compare(new, old, rtol):
    """(verdict, detail): verdict in identical / close / DIFFERENT."""
    with open(new, "rb") as f:
        a = f.read()
    with open(old, "rb") as f:
        b = f.read()
    if a == b:
        return "identical", ""
    ext = os.path.splitext(new)[1]
    if ext in (".pt", ".pth"):
        return ("same content", "equal members/tensors, bytes differ") if same_torch_file(new, old) \
            else ("DIFFERENT", f"bytes differ ({len(a)} vs {len(b)} bytes)")
    try:
        if ext == ".json":
            ja, jb = {"n": [], "s": []}, {"n": [], "s": []}
            json_numbers(json.loads(a), ja)
            json_numbers(json.loads(b), jb)
            note = ""
            if ja["s"] != jb["s"]:
                diffs = [(p, x, y) for (p, x), (q, y) in zip(ja["s"], jb["s"]) if (p, x) != (q, y)]
                # The generator's library versions are recorded, not compared (e.g. "torch": "2.13.0+cpu").
                if len(ja["s"]) != len(jb["s"]) or any(p.rsplit(".", 1)[-1] not in VERSION_KEYS for p, _, _ in diffs):
                    bad = next(((p, x, y) for p, x, y in diffs if p.rsplit(".", 1)[-1] not in VERSION_KEYS), diffs[:1])
                    return "DIFFERENT", f"non-numeric content differs {bad}"
                note = "; made with " + ", ".join(f"{p.lstrip('.')} {x} (committed: {y})" for p, x, y in diffs)
            if [p for p, _ in ja["n"]] != [p for p, _ in jb["n"]]:
                return "DIFFERENT", "different numbers present"
            ok, worst, i = close([v for _, v in ja["n"]], [v for _, v in jb["n"]], rtol)
            where = ja["n"][i][0] if isinstance(i, int) else i
            return ("close" if ok else "DIFFERENT"), f"worst rel err {worst:.2e} at {where}{note}"
        if ext == ".npy":
            xa, xb = np.load(new, allow_pickle=False), np.load(old, allow_pickle=False)
            if xa.dtype.kind not in "fc" or xb.dtype.kind not in "fc":
                return "DIFFERENT", f"non-float .npy ({xa.dtype}) differs"
            ok, worst, i = close(xa, xb, rtol)
        elif ext in (".bin", ".f32") and len(a) == len(b) and len(a) % 4 == 0:
            ok, worst, i = close(np.frombuffer(a, "<f4"), np.frombuffer(b, "<f4"), rtol)
        elif ext == ".f16" and len(a) == len(b) and len(a) % 2 == 0:
            ok, worst, i = close(np.frombuffer(a, "<f2"), np.frombuffer(b, "<f2"), max(rtol, 1e-3))
        else:
            return "DIFFERENT", f"bytes differ ({len(a)} vs {len(b)} bytes)"
        return ("close" if ok else "DIFFERENT"), f"worst rel err {worst:.2e} at element {i}"
    except (ValueError, json.JSONDecodeError) as e:
        return "DIFFERENT", f"unreadable: {e}"


def fixture_files(root):
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, "Tests")):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        if "Fixtures" not in os.path.relpath(dirpath, root).split(os.sep):
            continue
        for name in filenames:
            yield os.path.relpath(os.path.join(dirpath, name), root)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repo")
    ap.add_argument("copy")
    ap.add_argument("stamp")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-12)
    o = ap.parse_args()
    global ATOL
    ATOL = o.atol
    after = os.path.getmtime(o.stamp)
    counts = {"identical": 0, "close": 0, "same content": 0, "DIFFERENT": 0, "new": 0, "not regenerated": 0}
    for rel in sorted(fixture_files(o.copy)):
        new, old = os.path.join(o.copy, rel), os.path.join(o.repo, rel)
        if os.path.getmtime(new) <= after:
            if rel.endswith("README.md"):
                continue
            counts["not regenerated"] += 1
            print(f"  not regenerated  {rel}")
            continue
        if not os.path.exists(old):
            counts["new"] += 1
            print(f"  NEW              {rel} (written by a generator, not committed)")
            continue
        verdict, detail = compare(new, old, o.rtol)
        counts[verdict] += 1
        if verdict != "identical":
            print(f"  {verdict:<16} {rel}  {detail}")
    print("goldens: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + f" (rtol {o.rtol:g}, atol {o.atol:g})")
    return 1 if counts["DIFFERENT"] or counts["new"] else 0


if __name__ == "__main__":
    sys.exit(main())
