"""The LMDB environment of a cache, opened once per process and shared.

LMDB forbids opening one environment twice in a process (closing either copy drops the other's
file locks), so `Cache` objects of the same directory share one handle, closed with the last of them
(Thaw's Swift side does the same: `LMDBEnvironment.shared(at:)`). A writer in another process may
grow the map while we read: a transaction that meets MDB_MAP_RESIZED adopts the new size and retries.
"""
import os
import threading

import lmdb

from ._errors import CacheError

_lock = threading.Lock()
_open = {}   # real path → [environment, users]


def acquire(path):
    """The shared read-only environment of the cache directory `path` (refused if missing or truncated)."""
    key = os.path.realpath(path)
    with _lock:
        if key in _open:
            _open[key][1] += 1
            return _open[key][0]
        env = _open_environment(path)
        _open[key] = [env, 1]
        return env


def release(path):
    key = os.path.realpath(path)
    with _lock:
        entry = _open.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            del _open[key]
            entry[0].close()


def begin(env, **options):
    """A read transaction; adopts a map grown by a writer (MDB_MAP_RESIZED) and retries once."""
    try:
        return env.begin(**options)
    except lmdb.MapResizedError:
        env.set_mapsize(0)
        return env.begin(**options)


def _open_environment(path):
    data = os.path.join(path, "data.mdb")
    if not os.path.isdir(path):
        raise CacheError(path, "no such cache directory", "pass the directory given to `thaw extract --cache`")
    if not os.path.isfile(data):
        raise CacheError(path, "no data.mdb in this directory: it is not a Thaw cache",
                         "pass the directory given to `thaw extract --cache`")
    # A locked reader is safe beside a writer that appends; without write access to lock.mdb
    # (a read-only copy), read unlocked: fine for a cache nothing writes to any more.
    env = None
    for lock in (True, False):
        try:
            env = lmdb.open(path, readonly=True, lock=lock, max_dbs=4, subdir=True)
            break
        except lmdb.Error as e:
            if not lock:
                raise CacheError(path, f"LMDB cannot open the environment ({e})", "check the path and its permissions") from None
    info, stat = env.info(), env.stat()
    needed = (info["last_pgno"] + 1) * stat["psize"]
    if os.path.getsize(data) < needed:
        env.close()
        raise CacheError(path, f"data.mdb is {os.path.getsize(data)} bytes, shorter than its last committed page "
                               f"(needs {needed}): a truncated copy", "copy the cache again, completely")
    return env
