#!/usr/bin/env python3
"""Checks shared by the fault scripts (needs only the standard library, numpy and python `lmdb`).

  faults.py sweep-compare REF.json OUT.json     sweep run records: same table, best, test metrics, histories
  faults.py sweep-progress DIR MIN              finished groups in DIR/*.jsonl: none twice, at least MIN; prints the count
  faults.py records CACHE                       committed records (0 if no cache yet) and whether all CRCs match
  faults.py caches-equal REF CACHE              manifests and every record identical, both complete
  faults.py safetensors-equal A B               same tensor names, shapes and bytes
  faults.py finetune-compare REF.json OUT.json  fine-tune run records: same final metrics and per-epoch losses
  faults.py read-live CACHE MIN                 as a registered LMDB reader beside a live writer: every record sound,
                                                keys 0…n-1 without gaps, n ≥ MIN, `complete` only when all are there; prints n
  faults.py flip-record CACHE INDEX             flips one byte of record #INDEX's payload in data.mdb (as bit rot would)
  faults.py flip-manifest CACHE                 flips one letter of the manifest's backbone name in data.mdb (JSON stays valid)
  faults.py put-meta CACHE OTHER KEYS…          copies meta entries (e.g. manifest, manifest-crc32c) from cache OTHER
"""
import glob, json, os, struct, sys

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

def load_json(path):
    with open(path) as f:
        text = f.read()
    return json.loads(text[text.index("{"):])   # skip anything printed before the JSON object

def strip_seconds(epochs):
    return [{k: v for k, v in e.items() if k != "seconds"} for e in epochs]

def same(name, a, b):
    if a != b:
        sys.exit(f"{name} differs:\n  reference {json.dumps(a)[:400]}\n  resumed   {json.dumps(b)[:400]}")

def sweep_compare(ref, out):
    a, b = load_json(ref), load_json(out)
    for key in ["table", "best", "best_index"] + sorted(k for k in a["metrics"] if k.startswith("test_")):
        same(f"metrics.{key}", a["metrics"].get(key), b["metrics"].get(key))
    same("epochs", strip_seconds(a["epochs"]), strip_seconds(b["epochs"]))
    print(f"{len(b['metrics']['table'])} rows identical, best #{b['metrics']['best_index']}, "
          f"test top-1 {b['metrics'].get('test_top1')}")

def sweep_progress(folder, minimum):
    groups = []
    for path in glob.glob(os.path.join(folder, "*.jsonl")):
        with open(path) as f:
            lines = f.read().split("\n")
        for line in lines[1:]:
            try:
                groups.append(tuple(json.loads(line)["members"]))
            except ValueError:
                pass   # a torn last line: the group is redone
    if len(set(groups)) != len(groups):
        sys.exit(f"a group is recorded twice: {groups}")
    if len(groups) < int(minimum):
        sys.exit(f"{len(groups)} finished groups recorded, {minimum} were before the kill: a finished group was lost")
    print(len(groups))

def open_cache(path):
    import lmdb
    env = lmdb.open(path, readonly=True, lock=False, max_dbs=4)
    return env, env.open_db(b"meta", create=False), env.open_db(b"records", create=False)

def records(path):
    if not os.path.exists(os.path.join(path, "data.mdb")):
        print(0); return
    import lmdb
    env = lmdb.open(path, readonly=True, lock=False, max_dbs=4)
    if env.stat()["entries"] == 0:
        print(0); return   # killed before its first commit: no database was ever committed in the file
    meta, recs = env.open_db(b"meta", create=False), env.open_db(b"records", create=False)
    with env.begin() as txn:
        n = 0
        for key, v in txn.cursor(db=recs):
            if struct.unpack_from("<I", v, 4)[0] != crc32c(v[8:]):
                sys.exit(f"record {int.from_bytes(key[:8], 'big')}: checksum mismatch")
            n += 1
    print(n)

def caches_equal(ref, path):
    def load(p):
        env, meta, recs = open_cache(p)
        with env.begin() as txn:
            return (json.loads(txn.get(b"manifest", db=meta)), txn.get(b"complete", db=meta) == b"true",
                    list(txn.cursor(db=recs)))
    (ma, ca, ra), (mb, cb, rb) = load(ref), load(path)
    same("manifest", ma, mb)
    expected = ma["sampleCount"] * ma["views"]
    if not (ca and cb):
        sys.exit("a cache is not marked complete")
    if len(ra) != expected or len(rb) != expected:
        sys.exit(f"records: reference {len(ra)}, other {len(rb)}, expected {expected}")
    for (ka, va), (kb, vb) in zip(ra, rb):
        if ka != kb or va != vb:
            sys.exit(f"record {int.from_bytes(ka[:8], 'big')} differs")
    print(f"{len(rb)} records identical")

def safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack_from("<Q", raw, 0)[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    body = raw[8 + n:]
    return {k: (v["dtype"], v["shape"], body[v["data_offsets"][0]:v["data_offsets"][1]]) for k, v in header.items()}

def safetensors_equal(a, b):
    ta, tb = safetensors(a), safetensors(b)
    same("tensor names", sorted(ta), sorted(tb))
    for k in ta:
        if ta[k] != tb[k]:
            sys.exit(f"tensor {k} differs")
    print(f"{len(ta)} tensors identical")

def finetune_compare(ref, out):
    a, b = load_json(ref), load_json(out)
    for key in sorted(k for k in a["metrics"] if k.startswith(("test_", "val_"))):
        same(f"metrics.{key}", a["metrics"].get(key), b["metrics"].get(key))
    same("epochs", strip_seconds(a["epochs"]), strip_seconds(b["epochs"]))
    print(f"metrics and {len(b['epochs'])} epochs identical, test top-1 {b['metrics'].get('test_top1')}")

def read_live(path, minimum):
    import lmdb
    if not os.path.exists(os.path.join(path, "data.mdb")):
        print(0); return
    # lock=True: the reader takes a slot in lock.mdb, so the writer never reuses pages it is reading.
    env = lmdb.open(path, readonly=True, lock=True, max_dbs=4)
    try:
        meta, recs = env.open_db(b"meta", create=False), env.open_db(b"records", create=False)
    except lmdb.NotFoundError:
        # The file exists before the writer's first commit creates the named databases.
        env.close()
        if int(minimum) > 0:
            sys.exit(f"the cache's databases are gone, {minimum} records were there before")
        print(0); return
    with env.begin() as txn:
        manifest = txn.get(b"manifest", db=meta)
        unwritten = manifest is None and txn.stat(recs)["entries"] == 0
    if unwritten:
        # The databases exist before the commit that writes the manifest (a slow writer's first moments).
        env.close()
        if int(minimum) > 0:
            sys.exit(f"the manifest is gone, {minimum} records were there before")
        print(0); return
    if manifest is None:
        sys.exit("records are there but the manifest is not")
    with env.begin() as txn:
        m = json.loads(manifest)
        complete = txn.get(b"complete", db=meta) == b"true"
        n = 0
        for key, v in txn.cursor(db=recs):
            index = int.from_bytes(key[:8], "big")
            if index != n:
                sys.exit(f"record #{n} is missing but #{index} is there (records are committed in key order)")
            if v[:4] != b"THR1" or struct.unpack_from("<I", v, 4)[0] != crc32c(v[8:]):
                sys.exit(f"record #{index}: a reader saw a half-written or corrupt value")
            n += 1
    env.close()
    expected = m["sampleCount"] * m["views"]
    if complete != (n == expected):
        sys.exit(f"complete={complete} with {n} of {expected} records")
    if n < int(minimum):
        sys.exit(f"{n} records visible, {minimum} were before: committed records disappeared")
    print(n)

def flip_at(path, needle, where, what):
    # Copy-on-write leaves stale copies of rewritten pages (the meta leaf is rewritten by every commit
    # that touches `complete`): flip the byte in every copy, so the live one is surely hit.
    name = os.path.join(path, "data.mdb")
    raw = bytearray(open(name, "rb").read())
    hits, at = [], raw.find(needle)
    while at >= 0:
        hits.append(at + where)
        at = raw.find(needle, at + 1)
    if not hits:
        sys.exit(f"{what}: not found in {name}")
    for h in hits:
        raw[h] ^= 0x01
    open(name, "wb").write(raw)
    print(f"{what}: flipped bit 0 of byte(s) {hits} of {name}")

def flip_record(path, index):
    env, meta, recs = open_cache(path)
    with env.begin() as txn:
        v = txn.get(int(index).to_bytes(8, "big"), db=recs)
    env.close()
    # A payload slice long enough to be unique; flip a byte in the middle of the first tap.
    flip_at(path, v[64:192], 32, f"record #{index}")

def flip_manifest(path):
    env, meta, recs = open_cache(path)
    with env.begin() as txn:
        m = txn.get(b"manifest", db=meta)
    env.close()
    key = b'"backbone":"'
    flip_at(path, m, m.index(key) + len(key), "manifest backbone name")

def put_meta(path, other, *keys):
    import lmdb
    src = lmdb.open(other, readonly=True, lock=False, max_dbs=4)
    src_meta = src.open_db(b"meta", create=False)
    with src.begin() as txn:
        values = {k: txn.get(k.encode(), db=src_meta) for k in keys}
    src.close()
    dst = lmdb.open(path, max_dbs=4)
    meta = dst.open_db(b"meta", create=False)
    with dst.begin(write=True) as txn:
        for k, v in values.items():
            txn.put(k.encode(), v, db=meta)
    dst.close()
    print(f"copied meta {', '.join(keys)} from {other}")

if __name__ == "__main__":
    commands = {"sweep-compare": sweep_compare, "sweep-progress": sweep_progress, "records": records,
                "caches-equal": caches_equal, "safetensors-equal": safetensors_equal, "finetune-compare": finetune_compare, "read-live": read_live,
                "flip-record": flip_record, "flip-manifest": flip_manifest, "put-meta": put_meta}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
