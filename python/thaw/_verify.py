"""`Cache.verify()`: every record's CRC-32C, size and header; every key of the shard range present once
and no other key; the `complete` flag agreeing with the records — the checks of `thaw cache verify`."""
from dataclasses import dataclass, field

import numpy as np

from . import _environment
from ._crc32c import crc32c_rows
from ._records import describe_key, header_problem, parse_key

CHUNK = 1024
LISTED = 100   # missing keys listed by name; the rest are counted


@dataclass
class VerifyReport:
    path: str
    records_checked: int = 0
    expected_records: int = 0
    bad_records: list = field(default_factory=list)      # "record #i [view v]: problem"
    missing_count: int = 0
    missing: list = field(default_factory=list)          # the first 100, "#i [view v]"
    unexpected_keys: list = field(default_factory=list)
    meta_problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not (self.bad_records or self.missing_count or self.unexpected_keys or self.meta_problems)

    def __bool__(self):
        return self.ok

    @property
    def summary(self):
        if self.ok:
            return f"{self.path}: ok, {self.records_checked} records, all checksums match"
        lines = [f"{self.path}: {self.records_checked} records checked, {self.expected_records} expected"]
        lines += [f"  bad {b}" for b in self.bad_records]
        if self.missing_count:
            more = " …" if self.missing_count > len(self.missing) else ""
            lines.append(f"  {self.missing_count} missing: {' '.join(self.missing)}{more}")
        lines += [f"  unexpected {k}" for k in self.unexpected_keys]
        lines += [f"  meta: {p}" for p in self.meta_problems]
        return "\n".join(lines)

    def __str__(self):
        return self.summary


def verify(cache):
    m, views, with_views = cache.manifest, cache.views, cache.views > 1
    lo, hi = cache.index_range
    report = VerifyReport(cache.path, expected_records=(hi - lo) * views)
    present = np.zeros((hi - lo) * views, dtype=bool)   # one flag per expected key, in key order
    pending = []                                         # (key, value) awaiting the CRC check

    def check_pending():
        by_length = {}
        for key, value in pending:
            by_length.setdefault(len(value), []).append((key, value))
        for length, group in by_length.items():
            block = np.frombuffer(b"".join(v for _, v in group), dtype=np.uint8).reshape(len(group), length)
            stored = block[:, 4:8].copy().view("<u4")[:, 0]
            computed = crc32c_rows(block[:, 8:])
            for i in np.flatnonzero(stored != computed):
                report.bad_records.append(f"{describe_key(group[i][0], with_views)}: checksum mismatch "
                                          f"(stored 0x{int(stored[i]):08X}, computed 0x{int(computed[i]):08X}): the record is corrupt")
        pending.clear()

    with _environment.begin(cache._env) as txn:
        for key, value in txn.cursor(db=cache._records):
            report.records_checked += 1
            parsed = parse_key(key, with_views)
            if parsed is None or not (lo <= parsed[0] < hi and parsed[1] < views):
                report.unexpected_keys.append(f"{describe_key(key, with_views)} (outside {lo}..<{hi}, {views} view(s))")
                continue
            present[(parsed[0] - lo) * views + parsed[1]] = True
            problem = header_problem(value, m, cache._payload_size)
            if problem:
                report.bad_records.append(f"{describe_key(key, with_views)}: {problem}")
                continue
            pending.append((key, value))
            if len(pending) >= CHUNK:
                check_pending()
        check_pending()
        flag = txn.get(b"complete", db=cache._meta)
    absent = np.flatnonzero(~present)
    report.missing_count = int(absent.size)
    for slot in absent[:LISTED]:
        index, view = divmod(int(slot), views)
        report.missing.append(f"#{lo + index}" + (f" view {view}" if view else ""))
    if flag == b"true" and report.missing_count:
        report.meta_problems.append("complete=true but records are missing")
    if flag not in (b"true", b"false"):
        report.meta_problems.append("`complete` is neither true nor false")
    if flag == b"false" and not report.missing_count:
        report.meta_problems.append("all records present but complete=false (reopen with the writer to set it)")
    return report
