"""Reading a Thaw feature cache (docs/cache-format.md) into numpy.

    cache = thaw.open_cache("cache/fm")
    x = cache.tap("pool", split="test")            # float32 [records, 1280]
    y = cache.labels[cache.splits == "test"]        # int32 [records]

One record per (sample, view) in key order: sample index, then view. `labels`, `splits`, `ids`,
`indices` and `record_views` are per record, in that order, and `tap(name)` rows line up with them.
"""
import os
import warnings

import lmdb
import numpy as np

from . import _environment
from ._crc32c import crc32c_rows
from ._dtypes import WIDTH, widen
from ._errors import CacheError
from ._manifest import index_range, parse_manifest
from ._records import describe_key, header_problem, parse_header, parse_key, payload_layout

CHUNK = 1024              # records per read transaction at most (short transactions let a writer go on appending)
CHUNK_BYTES = 64 << 20    # and at most this many bytes of records (a text map is 197 KB per record)
SKIPPED_ID_PREFIX = "!skipped:"   # id of a placeholder record (Sources/ThawExtract/Extractor.swift)


def open_cache(path, allow_incomplete=False, check_crc=True):
    """Opens the cache directory `path` (the one `thaw extract --cache` wrote).

    A cache whose extraction has not finished is refused unless `allow_incomplete=True`, which
    reads the records written so far (with a warning). `check_crc=False` skips the per-record
    CRC-32C check in `tap()` (`verify()` always checks)."""
    return Cache(path, allow_incomplete=allow_incomplete, check_crc=check_crc)


class Cache:
    """An open cache: manifest, per-record labels/splits/ids, and taps as float32 arrays."""

    def __init__(self, path, allow_incomplete=False, check_crc=True):
        self.path = os.fspath(path)
        self.check_crc = check_crc
        self._env = _environment.acquire(self.path)
        try:
            self._load(allow_incomplete)
        except BaseException:
            _environment.release(self.path)
            self._env = None
            raise

    # MARK: opening

    def _load(self, allow_incomplete):
        try:
            self._meta = self._env.open_db(b"meta", create=False)
            self._records = self._env.open_db(b"records", create=False)
        except lmdb.NotFoundError:
            raise CacheError(self.path, "no `meta` and `records` databases: this LMDB environment is not a Thaw cache",
                             "point at a directory written by `thaw extract --cache`") from None
        with _environment.begin(self._env) as txn:
            raw = txn.get(b"manifest", db=self._meta)
            stored_crc = txn.get(b"manifest-crc32c", db=self._meta)
            flag = txn.get(b"complete", db=self._meta)
        if raw is None:
            raise CacheError(self.path, "no manifest in the `meta` database", "re-extract the cache")
        self.manifest = parse_manifest(self.path, raw, stored_crc)
        m = self.manifest
        self.views = m["views"]
        self._with_views = self.views > 1
        self.index_range = index_range(m)
        self._layout, self._payload_size = payload_layout(m)
        self._scan_headers()
        expected = (self.index_range[1] - self.index_range[0]) * self.views
        self.complete = flag == b"true"
        if self.complete and len(self._keys) != expected:
            raise CacheError(self.path, f"meta/complete is true but the cache holds {len(self._keys)} of {expected} records",
                             f"run `thaw cache verify {self.path}` to list what is missing, then re-run the extraction")
        if not self.complete:
            why = (f"its extraction has not finished (meta/complete = {flag.decode('ascii', 'replace') if flag else 'absent'}): "
                   f"{len(self._keys)} of {expected} records written")
            if not allow_incomplete:
                raise CacheError(self.path, why, "re-run the same `thaw extract` command (it resumes where it stopped), "
                                                 "or pass allow_incomplete=True to read the records written so far")
            warnings.warn(f"{self.path}: {why}; reading those records only", stacklevel=3)

    def _scan_headers(self):
        """One pass over the records: keys, labels, splits, ids; every key and header checked."""
        lo, hi = self.index_range
        keys, indices, views, labels, splits, ids, offsets = [], [], [], [], [], [], []
        with _environment.begin(self._env, buffers=True) as txn:
            for key, value in txn.cursor(db=self._records):
                parsed = parse_key(key, self._with_views)
                if parsed is None or not (lo <= parsed[0] < hi and parsed[1] < self.views):
                    raise CacheError(self.path, f"records: unexpected {describe_key(key, self._with_views)} "
                                                f"(this cache holds indices {lo}..<{hi}, {self.views} view(s))",
                                     f"run `thaw cache verify {self.path}`; re-extract the cache")
                problem = header_problem(value, self.manifest, self._payload_size)
                if problem:
                    raise self._bad_record(bytes(key), problem)
                _, label, split, sample_id, offset = parse_header(value)
                keys.append(bytes(key))
                indices.append(parsed[0]); views.append(parsed[1])
                labels.append(label); splits.append(split); ids.append(sample_id); offsets.append(offset)
        self._keys = keys
        self.indices = np.array(indices, dtype=np.int64)        # [records] sample index in the data set
        self.record_views = np.array(views, dtype=np.int32)     # [records] view number (0 = centre crop)
        self.labels = np.array(labels, dtype=np.int32)          # [records] index into label_names, -1 = none
        self.split_indices = np.array(splits, dtype=np.int32)   # [records] index into split_names
        self.splits = np.array(self.split_names, dtype=str)[self.split_indices] if keys else np.array([], dtype=str)
        self.ids = ids                                          # [records] original sample id / path
        # [records] placeholders of samples `thaw extract --on-error skip` could not read (zeros, not features)
        self.placeholders = np.array([i.startswith(SKIPPED_ID_PREFIX) for i in ids], dtype=bool)

    def _bad_record(self, key, problem):
        return CacheError(self.path, f"records: {describe_key(key, self._with_views)}: {problem}",
                          f"run `thaw cache verify {self.path}` to list every bad record; "
                          "restore the cache from a copy or re-extract it into a new directory")

    # MARK: what the manifest says

    @property
    def taps(self):
        """Tap names in record order."""
        return [t["name"] for t in self.manifest["taps"]]

    def tap_info(self, name):
        """The manifest entry of tap `name`: name, dtype, shape, layout."""
        return self.manifest["taps"][self._tap_position(name)]

    @property
    def label_names(self):
        return list(self.manifest["labelNames"])

    @property
    def split_names(self):
        return list(self.manifest["splitNames"])

    @property
    def backbone(self):
        return self.manifest["backbone"]

    def __len__(self):
        return len(self._keys)

    def __repr__(self):
        taps = ", ".join(f"{t['name']} {t['dtype']} {t['shape']}" for t in self.manifest["taps"])
        return (f"<thaw cache {self.path}: {self.backbone}, {len(self)} records"
                f"{'' if self.complete else ' (incomplete)'}, views {self.views}, taps {taps}>")

    # MARK: reading taps

    def mask(self, split=None, view=None):
        """Boolean [records]: the records of `split` (a name) and `view` (a number); None = all."""
        keep = np.ones(len(self._keys), dtype=bool)
        if split is not None:
            if split not in self.split_names:
                raise CacheError(self.path, f"no split named {split!r}", f"choose one of {', '.join(self.split_names)}")
            keep &= self.split_indices == self.split_names.index(split)
        if view is not None:
            if not 0 <= view < self.views:
                raise CacheError(self.path, f"no view {view}", f"choose a view in 0..<{self.views}")
            keep &= self.record_views == view
        return keep

    def tap(self, name, split=None, view=None):
        """float32 [records, *shape] of tap `name` (f16/bf16 widened exactly), in key order,
        optionally only the records of `split` and/or `view` (rows line up with `labels[mask(split, view)]`)."""
        position = self._tap_position(name)
        info = self.manifest["taps"][position]
        offset, size = self._layout[position]
        rows = np.flatnonzero(self.mask(split, view))
        out = np.empty((len(rows), *info["shape"]), dtype=np.float32)
        flat = out.reshape(len(rows), size // WIDTH[info["dtype"]])   # [rows, elements]
        step = max(1, min(CHUNK, CHUNK_BYTES // (self._payload_size + 64)))
        for start in range(0, len(rows), step):
            chunk = rows[start:start + step]
            values = self._read_values([self._keys[r] for r in chunk])
            for positions, block in _group_by_length(values):
                payload = parse_header(values[positions[0]])[4]   # equal lengths → equal id padding
                raw = np.ascontiguousarray(block[:, payload + offset:payload + offset + size])
                flat[start + positions] = widen(raw, info["dtype"]).reshape(len(positions), -1)
        return out

    def _read_values(self, keys):
        """The record values of `keys` (copied out of the transaction), headers and CRCs checked."""
        values = []
        with _environment.begin(self._env) as txn:
            for key in keys:
                value = txn.get(key, db=self._records)
                if value is None:
                    raise self._bad_record(key, "the record disappeared after the cache was opened")
                problem = header_problem(value, self.manifest, self._payload_size)
                if problem:
                    raise self._bad_record(key, problem)
                values.append(value)
        if self.check_crc:
            for positions, block in _group_by_length(values):
                stored = block[:, 4:8].copy().view("<u4")[:, 0]
                computed = crc32c_rows(block[:, 8:])
                bad = np.flatnonzero(stored != computed)
                if bad.size:
                    i = bad[0]
                    raise self._bad_record(keys[positions[i]], f"checksum mismatch (stored 0x{int(stored[i]):08X}, "
                                                               f"computed 0x{int(computed[i]):08X}): the record is corrupt")
        return values

    def _tap_position(self, name):
        if name not in self.taps:
            raise CacheError(self.path, f"no tap named {name!r}", f"choose one of {', '.join(self.taps)}")
        return self.taps.index(name)

    # MARK: checking, torch, lifetime

    def verify(self, raise_on_error=True):
        """Re-checks every record's CRC-32C, size and header, that each key of the shard range is
        present once and no other key is, and the `complete` flag (as `thaw cache verify`).
        Returns a `VerifyReport`; raises `CacheError` listing the problems unless `raise_on_error=False`."""
        from ._verify import verify
        report = verify(self)
        if raise_on_error and not report.ok:
            raise CacheError(self.path, "verification failed:\n" + report.summary,
                             "restore the cache from a copy, or re-extract the damaged samples into a new cache")
        return report

    def torch_dataset(self, tap, split=None, view=None):
        """A `torch.utils.data.Dataset` of (features float32 tensor [*shape], label int) for `tap`,
        optionally one split/view; needs PyTorch (`pip install torch`)."""
        from ._torch import TapDataset
        return TapDataset(self.tap(tap, split=split, view=view), self.labels[self.mask(split, view)])

    def close(self):
        """Releases the LMDB environment (shared with other open Cache objects of the same directory)."""
        if self._env is not None:
            _environment.release(self.path)
            self._env = None

    def __del__(self):
        try:
            if getattr(self, "_env", None) is not None:
                self.close()
        except Exception:   # at interpreter exit the modules it needs may be gone; LMDB closes with the process
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _group_by_length(values):
    """Yields (positions int array, uint8 block [len(positions), length]) per distinct value length."""
    by_length = {}
    for i, v in enumerate(values):
        by_length.setdefault(len(v), []).append(i)
    for length, positions in by_length.items():
        block = np.frombuffer(b"".join(values[i] for i in positions), dtype=np.uint8).reshape(len(positions), length)
        yield np.array(positions), block
