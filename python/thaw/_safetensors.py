"""A strict safetensors reader for bundles: u64 little-endian header length, a JSON header, the data.

Checked before any tensor is used: the header fits in the file, is a JSON object, every entry has
dtype F32, a shape of non-negative integers and data offsets that hold exactly prod(shape)·4 bytes,
and the entries tile the data buffer without gaps or overlaps (the format's own rule).
"""
import json
import os
import struct

import numpy as np

from ._errors import BundleError

MAX_HEADER = 100 << 20   # bytes: the safetensors reference reader's limit too


def read_safetensors(path):
    """(metadata dict of strings, {name: float32 array}) of the file at `path`."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise BundleError(path, f"cannot read the file ({e.strerror})", "check the path") from None
    if len(blob) < 8:
        raise BundleError(path, f"the file is {len(blob)} bytes, too short for a safetensors header",
                          "the file is truncated: copy or export the bundle again")
    (header_length,) = struct.unpack_from("<Q", blob, 0)
    if header_length > MAX_HEADER or 8 + header_length > len(blob):
        raise BundleError(path, f"the header claims {header_length} bytes but the file has {len(blob) - 8} after the length",
                          "the file is truncated or not safetensors: export the bundle again")
    try:
        header = json.loads(blob[8:8 + header_length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BundleError(path, f"the safetensors header is not UTF-8 JSON ({e})", "export the bundle again") from None
    if not isinstance(header, dict):
        raise BundleError(path, "the safetensors header is not a JSON object", "export the bundle again")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise BundleError(path, "__metadata__ must map names to strings", "export the bundle again")
    data = memoryview(blob)[8 + header_length:]
    spans, tensors = [], {}
    for name, entry in header.items():
        shape, begin, end = _check_entry(path, name, entry)
        if end > len(data):
            raise BundleError(path, f"tensor {name!r}: data_offsets end at byte {end} of a {len(data)}-byte data section",
                              "the file is truncated: copy or export the bundle again")
        spans.append((begin, end, name))
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").astype(np.float32).reshape(shape)
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            problem = "overlaps the tensor before it" if begin < position else f"leaves bytes {position}..<{begin} unused"
            raise BundleError(path, f"tensor {name!r}: data_offsets [{begin}, {end}] {problem}",
                              "the file is damaged: export the bundle again")
        position = end
    if position != len(data):
        raise BundleError(path, f"the tensors cover {position} bytes of a {len(data)}-byte data section",
                          "the file is truncated or damaged: export the bundle again")
    return metadata, tensors


def _check_entry(path, name, entry):
    if not isinstance(entry, dict):
        raise BundleError(path, f"tensor {name!r}: its header entry is not an object", "export the bundle again")
    if entry.get("dtype") != "F32":
        raise BundleError(path, f"tensor {name!r} has dtype {entry.get('dtype')!r}; bundles hold F32 tensors only",
                          "export the bundle with `thaw fit --export` (or convert the tensor to float32)")
    shape, offsets = entry.get("shape"), entry.get("data_offsets")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise BundleError(path, f"tensor {name!r} has shape {shape!r}; expected a list of non-negative integers",
                          "export the bundle again")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) and o >= 0 for o in offsets)
            and offsets[0] <= offsets[1]):
        raise BundleError(path, f"tensor {name!r} has data_offsets {offsets!r}; expected [begin, end] with begin ≤ end",
                          "export the bundle again")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if offsets[1] - offsets[0] != 4 * count:
        raise BundleError(path, f"tensor {name!r}: shape {shape} needs {4 * count} bytes but data_offsets {offsets} "
                                f"span {offsets[1] - offsets[0]}", "the file is damaged: export the bundle again")
    return shape, offsets[0], offsets[1]
