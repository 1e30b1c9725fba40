"""Damaged, truncated and unfinished caches: clear errors naming the cache and the record; verify()."""
import json
import os

import lmdb
import numpy as np
import pytest

import thaw
from conftest import run_thaw


def edit(cache, change):
    """Runs change(txn, meta_db, records_db) in a write transaction on the cache at `cache`."""
    env = lmdb.open(str(cache), max_dbs=4, subdir=True)
    meta, records = env.open_db(b"meta"), env.open_db(b"records")
    with env.begin(write=True) as txn:
        change(txn, meta, records)
    env.close()


def key(index):
    return index.to_bytes(8, "big")


def flip_byte(position, index=3):
    def change(txn, meta, records):
        value = bytearray(txn.get(key(index), db=records))
        value[position if position >= 0 else len(value) + position] ^= 0x10
        txn.put(key(index), bytes(value), db=records)
    return change


def test_verify_passes_on_a_sound_cache(image_cache):
    report = thaw.open_cache(image_cache).verify()
    assert report.ok and report.records_checked == report.expected_records == 80
    assert "ok, 80 records, all checksums match" in report.summary


def test_flipped_payload_byte_is_a_checksum_error_naming_the_record(image_cache, damaged_copy):
    cache_path = damaged_copy(image_cache)
    edit(cache_path, flip_byte(-5))               # inside the last tap (pool) of record #3
    cache = thaw.open_cache(cache_path)            # headers are sound: opening works
    with pytest.raises(thaw.CacheError, match=r"fm: records: record #3: checksum mismatch \(stored 0x[0-9A-F]{8}, "
                                              r"computed 0x[0-9A-F]{8}\): the record is corrupt.*Fix: run `thaw cache verify"):
        cache.tap("blocks.11")                     # the damage is in another tap, but the record's CRC covers it
    assert cache.tap("pool", split="test").shape == (40, 1280)    # records #40… are intact
    with pytest.raises(thaw.CacheError, match="verification failed"):
        cache.verify()
    report = cache.verify(raise_on_error=False)
    assert not report.ok and len(report.bad_records) == 1 and report.bad_records[0].startswith("record #3: checksum mismatch")
    # Thaw's own verify agrees
    r = run_thaw("cache", "verify", "--json", cache_path, check=False)
    out = json.loads(r.stdout)
    assert r.returncode == 1 and not out["ok"] and [b["index"] for b in out["report"]["badRecords"]] == [3]


def test_unchecked_read_skips_the_crc(image_cache, damaged_copy):
    cache_path = damaged_copy(image_cache)
    edit(cache_path, flip_byte(-5))
    x = thaw.open_cache(cache_path, check_crc=False).tap("pool")
    assert x.shape == (80, 1280) and not np.array_equal(x, thaw.open_cache(image_cache).tap("pool"))


def test_bad_magic_is_refused_on_open(image_cache, damaged_copy):
    cache_path = damaged_copy(image_cache)
    edit(cache_path, flip_byte(0, index=7))
    with pytest.raises(thaw.CacheError, match=r"records: record #7: bad magic b'DHR1' \(expected b'THR1'\)"):
        thaw.open_cache(cache_path)


def test_wrong_record_length_is_refused(image_cache, damaged_copy):
    cache_path = damaged_copy(image_cache)
    edit(cache_path, lambda txn, meta, records: txn.put(key(5), txn.get(key(5), db=records)[:-2], db=records))
    with pytest.raises(thaw.CacheError, match=r"record #5: record is \d+ bytes, the manifest's taps need \d+"):
        thaw.open_cache(cache_path)


def test_damaged_manifest_is_refused(image_cache, damaged_copy):
    cache_path = damaged_copy(image_cache)
    def change(txn, meta, records):
        txn.put(b"manifest", txn.get(b"manifest", db=meta).replace(b"efficientnet", b"efficientnot"), db=meta)
    edit(cache_path, change)
    with pytest.raises(thaw.CacheError, match=r"meta/manifest: checksum mismatch .* damaged or replaced"):
        thaw.open_cache(cache_path)


def test_unfinished_cache_is_refused_unless_allowed(image_cache, damaged_copy):
    cache_path = damaged_copy(image_cache)
    def change(txn, meta, records):              # what an interrupted extraction leaves: tail missing, flag false
        for i in range(70, 80):
            txn.delete(key(i), db=records)
        txn.put(b"complete", b"false", db=meta)
    edit(cache_path, change)
    with pytest.raises(thaw.CacheError, match=r"has not finished \(meta/complete = false\): 70 of 80 records written"
                                              r".*Fix: re-run the same `thaw extract`.*allow_incomplete=True"):
        thaw.open_cache(cache_path)
    with pytest.warns(UserWarning, match="70 of 80 records written; reading those records only"):
        cache = thaw.open_cache(cache_path, allow_incomplete=True)
    assert not cache.complete and len(cache) == 70
    assert np.array_equal(cache.tap("pool"), thaw.open_cache(image_cache).tap("pool")[:70])
    report = cache.verify(raise_on_error=False)
    assert report.missing_count == 10 and report.missing[0] == "#70" and not report.meta_problems


def test_complete_flag_with_missing_records_is_refused(image_cache, damaged_copy):
    cache_path = damaged_copy(image_cache)
    edit(cache_path, lambda txn, meta, records: txn.delete(key(11), db=records))
    with pytest.raises(thaw.CacheError, match=r"meta/complete is true but the cache holds 79 of 80 records"):
        thaw.open_cache(cache_path)


def test_key_outside_the_shard_range_is_refused(image_cache, damaged_copy):
    cache_path = damaged_copy(image_cache)
    edit(cache_path, lambda txn, meta, records: txn.put(key(500), txn.get(key(0), db=records), db=records))
    with pytest.raises(thaw.CacheError, match=r"unexpected record #500 \(this cache holds indices 0..<80"):
        thaw.open_cache(cache_path)


def test_truncated_data_file_is_refused(image_cache, damaged_copy):
    cache_path = damaged_copy(image_cache)
    data = cache_path / "data.mdb"
    os.truncate(data, os.path.getsize(data) // 2)
    with pytest.raises(thaw.CacheError, match=r"data.mdb is \d+ bytes, shorter than its last committed page"):
        thaw.open_cache(cache_path)


def test_not_a_cache(tmp_path, image_cache):
    with pytest.raises(thaw.CacheError, match="no such cache directory"):
        thaw.open_cache(tmp_path / "nothing")
    with pytest.raises(thaw.CacheError, match="no data.mdb in this directory"):
        thaw.open_cache(tmp_path)
    lmdb.open(str(tmp_path / "plain"), max_dbs=2).close()      # an LMDB environment, but not Thaw's
    with pytest.raises(thaw.CacheError, match="not a Thaw cache"):
        thaw.open_cache(tmp_path / "plain")


GROW_MAP = """
import sys, lmdb
env = lmdb.open(sys.argv[1], max_dbs=4, subdir=True, map_size=64 << 20)
scratch = env.open_db(b"scratch")
with env.begin(write=True) as txn:                 # more data than the reader's map holds
    for i in range(12):
        txn.put(i.to_bytes(8, "big"), bytes(1 << 20), db=scratch)
"""


def test_reader_adopts_a_map_grown_by_a_writer(image_cache, damaged_copy):
    """A writer in another process grows the map past the reader's: the next read adopts the new size."""
    import subprocess, sys
    cache_path = damaged_copy(image_cache)
    cache = thaw.open_cache(cache_path)
    before = cache.tap("pool")
    assert cache._env.info()["map_size"] < 12 << 20
    subprocess.run([sys.executable, "-c", GROW_MAP, str(cache_path)], check=True)
    assert np.array_equal(cache.tap("pool"), before) and cache.verify().ok
    assert cache._env.info()["map_size"] >= 12 << 20          # MDB_MAP_RESIZED met and the grown size adopted


def test_caches_of_one_directory_share_one_environment(image_cache):
    a, b = thaw.open_cache(image_cache), thaw.open_cache(str(image_cache) + "/")
    assert a._env is b._env
    a.close()
    assert b.tap("pool").shape == (80, 1280)       # still open for b
    b.close()
    with thaw.open_cache(image_cache) as c:                # reopened after the last one closed
        assert c.tap("pool").shape == (80, 1280)
    assert c._env is None
