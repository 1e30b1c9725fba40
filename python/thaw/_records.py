"""Keys and values of the `records` database (docs/cache-format.md, "records database").

    key    u64 big-endian sample index [+ u16 big-endian view when views > 1]
    value  0 "THR1" | 4 u32 CRC-32C of bytes 8.. | 8 i32 label | 12 u16 split | 14 u16 id length L
           | 16 id (UTF-8), zero-padded to P = 16 + ⌈L/4⌉·4 | P taps in manifest order, C order
"""
import struct

from ._dtypes import WIDTH
from ._manifest import tap_elements

MAGIC = b"THR1"
HEADER = 16


def key_bytes(index, view, with_views):
    return index.to_bytes(8, "big") + (view.to_bytes(2, "big") if with_views else b"")


def parse_key(key, with_views):
    """(index, view), or None when the key has the wrong length for the manifest."""
    if len(key) != (10 if with_views else 8):
        return None
    return int.from_bytes(key[:8], "big"), (int.from_bytes(key[8:10], "big") if with_views else 0)


def describe_key(key, with_views):
    parsed = parse_key(key, with_views)
    if parsed is None:
        return f"key {bytes(key).hex()} (length {len(key)}, expected {10 if with_views else 8})"
    index, view = parsed
    return f"record #{index}" + (f" view {view}" if view else "")


def payload_layout(manifest):
    """Per tap: (byte offset within the payload, byte size); and the payload's total size."""
    layout, offset = [], 0
    for t in manifest["taps"]:
        size = tap_elements(t) * WIDTH[t["dtype"]]
        layout.append((offset, size))
        offset += size
    return layout, offset


def header_problem(value, manifest, payload_size):
    """What is wrong with a record's header and length (not its checksum), or None."""
    if len(value) < HEADER:
        return f"record is {len(value)} bytes, shorter than the 16-byte header"
    if bytes(value[:4]) != MAGIC:
        return f"bad magic {bytes(value[:4])!r} (expected b'THR1'): not a Thaw record, or a damaged one"
    _, label, split, id_len = struct.unpack_from("<IiHH", value, 4)
    expected = HEADER + (id_len + 3) // 4 * 4 + payload_size
    if len(value) != expected:
        return f"record is {len(value)} bytes, the manifest's taps need {expected}"
    if split >= len(manifest["splitNames"]):
        return f"split {split} out of range ({len(manifest['splitNames'])} splits)"
    labels = len(manifest["labelNames"])
    if label < -1 or (labels and label >= labels):
        return f"label {label} out of range ({labels} labels)"
    return None


def parse_header(value):
    """(stored CRC, label, split index, sample id, payload offset) of a record whose header is sound."""
    crc, label, split, id_len = struct.unpack_from("<IiHH", value, 4)
    sample_id = bytes(value[HEADER:HEADER + id_len]).decode("utf-8", "replace")
    return crc, label, split, sample_id, HEADER + (id_len + 3) // 4 * 4
