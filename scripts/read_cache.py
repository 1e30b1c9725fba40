#!/usr/bin/env python3
"""Read one tap of a Thaw feature cache with lmdb + numpy (format: docs/cache-format.md).

usage: python3 scripts/read_cache.py CACHE_DIR TAP OUT.npy [--labels LABELS.npy] [--check]
Writes float32 [records, *shape] in key order; --check re-verifies every CRC-32C.
"""
import json, struct, sys
import lmdb, numpy as np

WIDTH = {"f32": 4, "f16": 2, "bf16": 2}

def crc32c(data, table=[]):
    if not table:
        for b in range(256):
            c = b
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            table.append(c)
    crc = 0xFFFFFFFF
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFFFFFF

def decode(buf, dtype, shape):
    if dtype == "f32":
        return np.frombuffer(buf, "<f4").reshape(shape)
    if dtype == "f16":
        return np.frombuffer(buf, "<f2").astype(np.float32).reshape(shape)
    bits = np.frombuffer(buf, "<u2").astype(np.uint32) << 16   # bf16: top half of a float32
    return bits.view(np.float32).reshape(shape)

def main(path, tap_name, out, labels_out=None, check=False):
    env = lmdb.open(path, readonly=True, lock=False, max_dbs=4, subdir=True)
    meta, records = env.open_db(b"meta", create=False), env.open_db(b"records", create=False)
    with env.begin() as txn:
        manifest = json.loads(txn.get(b"manifest", db=meta))
        taps = manifest["taps"]
        t = [x["name"] for x in taps].index(tap_name)
        rows, labels = [], []
        for key, value in txn.cursor(db=records):
            assert value[:4] == b"THR1", f"{key.hex()}: bad magic"
            stored, label, split, id_len = struct.unpack_from("<IiHH", value, 4)
            if check:
                assert crc32c(value[8:]) == stored, f"{key.hex()}: checksum mismatch"
            offset = 16 + (id_len + 3) // 4 * 4
            for x in taps[:t]:
                offset += WIDTH[x["dtype"]] * int(np.prod(x["shape"]))
            size = WIDTH[taps[t]["dtype"]] * int(np.prod(taps[t]["shape"]))
            rows.append(decode(value[offset:offset + size], taps[t]["dtype"], taps[t]["shape"]))
            labels.append(label)
    np.save(out, np.stack(rows).astype(np.float32))
    if labels_out:
        np.save(labels_out, np.array(labels, dtype=np.int32))
    print(f"{len(rows)} records of {tap_name} {taps[t]['shape']} {taps[t]['dtype']} -> {out}")

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    labels = sys.argv[sys.argv.index("--labels") + 1] if "--labels" in sys.argv else None
    if labels:
        args.remove(labels)
    if len(args) != 3:
        sys.exit(__doc__)
    main(*args, labels_out=labels, check="--check" in sys.argv)
